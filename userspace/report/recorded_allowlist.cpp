// allowlist.yaml as a session recorded it: the Allowlist model built from the Aggregator, one
// entry at a time, and written by the one allowlist writer (allowlist/allowlist_writer.h).
#include <algorithm>
#include <set>
#include <string_view>
#include <tuple>
#include <vector>

#include "allowlist/allowlist.h"
#include "allowlist/allowlist_writer.h"
#include "base/timefmt.h"
#include "report/report.h"

namespace egresswatch {
namespace {

// One manifest entry: a host (when known) or a single address, on one port and protocol.
// Several destinations make one entry when they share it (a host reached at two addresses).
// Each destination in scope is a 16-byte reference, sorted by its entry, plus its address
// text in one shared buffer, instead of a map of entries copying every name and address.
class EntryOrder {
public:
    using Dest = Aggregator::DestinationMap::const_pointer;
    struct Ref {
        Dest dest;
        std::uint32_t offset = 0, length = 0;  // the address text in texts_, for an entry without host
    };

    EntryOrder(const Aggregator& agg, ScopeFilter scope) : agg_(agg) {
        for (const auto& entry : agg.destinations()) {
            if (!scope_matches(entry.second.scope, scope)) continue;
            Ref ref{&entry};
            if (!entry.second.host) {
                std::string text = entry.first.address.to_string();
                ref.offset = static_cast<std::uint32_t>(texts_.size());
                ref.length = static_cast<std::uint32_t>(text.size());
                texts_ += text;
            }
            refs_.push_back(ref);
        }
        std::sort(refs_.begin(), refs_.end(), [this](const Ref& a, const Ref& b) { return key(a) < key(b); });
    }

    const std::vector<Ref>& refs() const { return refs_; }
    // The recorder's order: by host or address text, then port, then protocol name.
    using Key = std::tuple<std::string_view, bool, std::uint16_t, std::string_view>;
    Key key(const Ref& r) const {
        const auto& [dest, d] = *r.dest;
        std::string_view label =
            d.host ? std::string_view(agg_.name(d.host)) : std::string_view(texts_).substr(r.offset, r.length);
        return std::make_tuple(label, d.host != 0, dest.port, protocol_name(dest.protocol));
    }

private:
    const Aggregator& agg_;
    std::string texts_;
    std::vector<Ref> refs_;
};

// The destinations [first, last) share one entry; only one entry is built at a time.
AllowEntry entry_of(const Aggregator& agg, const EntryOrder::Ref* first, const EntryOrder::Ref* last) {
    std::set<IpAddress> addresses;
    std::set<std::string_view> processes;
    std::set<std::string> images, hosts;
    bool any_image = false, any_container = false;
    const auto& [key, stats] = *first->dest;
    // A host seen at addresses of different scopes is described by the most remote one.
    AddressScope scope = stats.scope;
    for (const EntryOrder::Ref* r = first; r != last; ++r) {
        addresses.insert(r->dest->first.address);
        scope = std::max(scope, r->dest->second.scope);
        for (const ProcessUse& use : r->dest->second.processes)
            if (use.exe) processes.insert(agg.name(use.exe));
        const DestinationStats& d = r->dest->second;
        // Too many images to list widens the entry to any image.
        any_image |= d.images().truncated();
        any_container |= !d.containers().ids().empty();
        for (const std::string& image : agg.names(d.images())) images.insert(image);
        for (const std::string& host : agg.seen_on(d)) hosts.insert(host);
    }
    AllowEntry e;
    if (stats.host) e.host = HostPattern::as_seen(agg.name(stats.host));
    for (const IpAddress& a : addresses) e.addresses.push_back(Cidr::host(a));
    e.proto = allow_proto_of(key.protocol);
    // An ICMP entry has no port (the writer leaves it out).
    e.ports = PortRange::single(is_icmp(e.proto) ? 0 : key.port);
    e.scope = std::string(scope_name(scope));
    e.processes.assign(processes.begin(), processes.end());
    // Without a container, kNoContainer alone: the entry lists no images, as before images existed.
    if (any_container && !any_image) e.images.assign(images.begin(), images.end());
    e.seen_on.assign(hosts.begin(), hosts.end());
    return e;
}

}  // namespace

void write_allowlist(std::ostream& stream, const Aggregator& agg, const ReportOptions& options) {
    EntryOrder order(agg, options.scope);
    const auto& refs = order.refs();
    Allowlist header;
    header.generated = format_timestamp(options.generated_ns);
    header.scope = std::string(scope_filter_name(options.scope));
    AllowlistYamlWriter out(stream, "egress manifest written by egresswatch; diff two runs to see what changed", header,
                            EmptyListLayout::below_key);
    for (std::size_t i = 0; i < refs.size();) {
        std::size_t end = i + 1;
        while (end < refs.size() && order.key(refs[end]) == order.key(refs[i])) ++end;
        out.add(entry_of(agg, &refs[i], &refs[end]));
        i = end;
    }
    out.finish();
}

}  // namespace egresswatch
