#include "allowlist/allowlist_merge.h"

#include <algorithm>
#include <map>

namespace egresswatch {
namespace {

template <typename T>
void sort_unique(std::vector<T>& items) {
    std::sort(items.begin(), items.end());
    items.erase(std::unique(items.begin(), items.end()), items.end());
}

template <typename T>
void append(std::vector<T>& to, const std::vector<T>& from) {
    to.insert(to.end(), from.begin(), from.end());
}

std::optional<std::string> more_public_scope(const std::optional<std::string>& a, const std::optional<std::string>& b) {
    if (!a) return b;
    if (!b) return a;
    auto sa = parse_address_scope(*a), sb = parse_address_scope(*b);
    return sa && sb && *sb > *sa ? b : a;
}

std::vector<AllowEntry> one_address_each(const AllowEntry& entry) {
    if (entry.host || entry.addresses.size() <= 1) return {entry};
    std::vector<AllowEntry> out;
    for (const Cidr& c : entry.addresses) {
        AllowEntry single = entry;
        single.addresses = {c};
        out.push_back(std::move(single));
    }
    return out;
}

void fold_into(AllowEntry& into, const AllowEntry& from) {
    append(into.addresses, from.addresses);
    bool any_process = into.processes.empty() || from.processes.empty();
    append(into.processes, from.processes);
    if (any_process) into.processes.clear();
    bool any_image = into.images.empty() || from.images.empty();
    append(into.images, from.images);
    if (any_image) into.images.clear();
    append(into.sources, from.sources);
    append(into.seen_on, from.seen_on);
    into.scope = more_public_scope(into.scope, from.scope);
    into.line = std::min(into.line, from.line);
}

}  // namespace

Allowlist normalize_allowlist(const Allowlist& list) {
    std::map<EntryIdentity, AllowEntry> merged;
    for (const AllowEntry& entry : list.destinations) {
        for (AllowEntry& piece : one_address_each(entry)) {
            auto [it, fresh] = merged.try_emplace(identity_of(piece), piece);
            if (!fresh) fold_into(it->second, piece);
        }
    }
    Allowlist out;
    out.version = list.version;
    out.generated = list.generated;
    out.scope = list.scope;
    for (auto& [id, entry] : merged) {
        sort_unique(entry.addresses);
        sort_unique(entry.processes);
        sort_unique(entry.images);
        sort_unique(entry.sources);
        sort_unique(entry.seen_on);
        out.destinations.push_back(std::move(entry));
    }
    return out;
}

Allowlist merge_allowlists(const std::vector<MergeInput>& inputs) {
    Allowlist all;
    std::optional<ScopeFilter> widest;
    for (const MergeInput& input : inputs) {
        if (input.list.generated && (!all.generated || *input.list.generated > *all.generated))
            all.generated = input.list.generated;
        // internet < nonlocal < all: the union keeps what the widest filter kept.
        auto scope = input.list.scope ? parse_scope_filter(*input.list.scope) : std::nullopt;
        if (scope && (!widest || *scope > *widest)) widest = scope;
        for (AllowEntry entry : input.list.destinations) {
            if (entry.sources.empty()) entry.sources = {input.label};
            entry.line = 0;
            all.destinations.push_back(std::move(entry));
        }
    }
    if (widest) all.scope = std::string(scope_filter_name(*widest));
    return normalize_allowlist(all);
}

}  // namespace egresswatch
