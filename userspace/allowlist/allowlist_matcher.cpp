#include "allowlist/allowlist_matcher.h"

#include <algorithm>

#include "allowlist/image_reference.h"

namespace egresswatch {
namespace {

bool in_any(const std::vector<Cidr>& blocks, const IpAddress& address) {
    return std::any_of(blocks.begin(), blocks.end(), [&](const Cidr& c) { return c.contains(address); });
}

bool process_allowed(const AllowEntry& entry, const std::optional<std::string>& exe) {
    if (entry.processes.empty()) return true;
    return exe && std::find(entry.processes.begin(), entry.processes.end(), *exe) != entry.processes.end();
}

bool image_allowed(const AllowEntry& entry, const std::optional<std::string>& image) {
    if (entry.images.empty()) return true;
    return image && std::any_of(entry.images.begin(), entry.images.end(),
                                [&](const std::string& item) { return image_item_matches(item, *image); });
}

}  // namespace

std::optional<MatchReason> entry_allows(const AllowEntry& entry, const DestinationQuery& query) {
    if (!entry.ports.contains(query.port) || !allow_proto_covers(entry.proto, query.protocol)) return std::nullopt;
    if (!process_allowed(entry, query.exe) || !image_allowed(entry, query.image)) return std::nullopt;
    if (!entry.host) {
        if (in_any(entry.addresses, query.address)) return MatchReason::address;
        return std::nullopt;
    }
    if (query.host) {
        if (entry.host->matches(*query.host)) return MatchReason::host_name;
        return std::nullopt;
    }
    if (in_any(entry.addresses, query.address)) return MatchReason::recorded_address;
    return std::nullopt;
}

std::optional<AllowMatch> AllowlistMatcher::find(const DestinationQuery& query) const {
    for (const AllowEntry& entry : list_.destinations)
        if (auto reason = entry_allows(entry, query)) return AllowMatch{&entry, *reason};
    return std::nullopt;
}

std::vector<const AllowEntry*> AllowlistMatcher::entries_for_name(std::string_view name) const {
    std::vector<const AllowEntry*> out;
    for (const AllowEntry& entry : list_.destinations)
        if (entry.host && entry.host->matches(name)) out.push_back(&entry);
    return out;
}

}  // namespace egresswatch
