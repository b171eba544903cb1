#include "allowlist/allowlist_diff.h"

#include <algorithm>
#include <iterator>
#include <map>

#include "allowlist/allowlist_merge.h"

namespace egresswatch {
namespace {

std::vector<std::string> address_texts(const AllowEntry& e) {
    std::vector<std::string> out;
    for (const Cidr& c : e.addresses) out.push_back(c.to_string());
    std::sort(out.begin(), out.end());
    return out;
}

// A list as compared: sorted by normalize, "*" for empty (any).
std::vector<std::string> or_any(const std::vector<std::string>& items) {
    if (items.empty()) return {kAnyProcess};
    return items;
}

ListChange compare(const std::vector<std::string>& before, const std::vector<std::string>& after) {
    ListChange c;
    std::set_difference(after.begin(), after.end(), before.begin(), before.end(), std::back_inserter(c.added));
    std::set_difference(before.begin(), before.end(), after.begin(), after.end(), std::back_inserter(c.removed));
    return c;
}

}  // namespace

std::vector<DestinationChange> diff_allowlists(const Allowlist& before, const Allowlist& after) {
    struct Pair {
        const AllowEntry* before = nullptr;
        const AllowEntry* after = nullptr;
    };
    Allowlist old_list = normalize_allowlist(before), new_list = normalize_allowlist(after);
    std::map<EntryIdentity, Pair> pairs;
    for (const AllowEntry& e : old_list.destinations) pairs[identity_of(e)].before = &e;
    for (const AllowEntry& e : new_list.destinations) pairs[identity_of(e)].after = &e;

    std::vector<DestinationChange> changes;
    for (const auto& [id, pair] : pairs) {
        DestinationChange c;
        if (!pair.before) {
            c.kind = DestinationChange::Kind::added;
            c.after = *pair.after;
        } else if (!pair.after) {
            c.kind = DestinationChange::Kind::removed;
            c.before = *pair.before;
        } else {
            c.kind = DestinationChange::Kind::changed;
            c.before = *pair.before;
            c.after = *pair.after;
            c.addresses = compare(address_texts(c.before), address_texts(c.after));
            c.processes = compare(or_any(c.before.processes), or_any(c.after.processes));
            c.images = compare(or_any(c.before.images), or_any(c.after.images));
            if (c.addresses.empty() && c.processes.empty() && c.images.empty()) continue;
        }
        c.label = entry_label(pair.after ? *pair.after : *pair.before);
        changes.push_back(std::move(c));
    }
    return changes;
}

}  // namespace egresswatch
