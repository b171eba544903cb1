#include "allowlist/allowlist.h"

#include "egresswatch/abi.h"

namespace egresswatch {

std::string_view allow_proto_name(AllowProto proto) {
    switch (proto) {
    case AllowProto::any: return "any";
    case AllowProto::tcp: return "tcp";
    case AllowProto::udp: return "udp";
    case AllowProto::icmp: return "icmp";
    case AllowProto::icmpv6: return "icmpv6";
    case AllowProto::sctp: return "sctp";
    case AllowProto::other: return "other";
    }
    return "any";
}

std::optional<AllowProto> parse_allow_proto(std::string_view name) {
    for (AllowProto p : {AllowProto::any, AllowProto::icmp, AllowProto::icmpv6, AllowProto::tcp, AllowProto::udp})
        if (allow_proto_name(p) == name) return p;
    return std::nullopt;
}

// The same names protocol_name() gives these numbers, so a recorded entry reads like the
// events it came from.
AllowProto allow_proto_of(std::uint8_t ip_protocol) {
    switch (ip_protocol) {
    case EW_IPPROTO_TCP: return AllowProto::tcp;
    case EW_IPPROTO_UDP: return AllowProto::udp;
    case EW_IPPROTO_ICMP: return AllowProto::icmp;
    case EW_IPPROTO_ICMPV6: return AllowProto::icmpv6;
    case EW_IPPROTO_SCTP: return AllowProto::sctp;
    default: return AllowProto::other;
    }
}

bool allow_proto_covers(AllowProto proto, std::uint8_t ip_protocol) {
    switch (proto) {
    case AllowProto::any: return ip_protocol == EW_IPPROTO_TCP || ip_protocol == EW_IPPROTO_UDP;
    case AllowProto::tcp: return ip_protocol == EW_IPPROTO_TCP;
    case AllowProto::udp: return ip_protocol == EW_IPPROTO_UDP;
    case AllowProto::icmp: return ip_protocol == EW_IPPROTO_ICMP;
    case AllowProto::icmpv6: return ip_protocol == EW_IPPROTO_ICMPV6;
    // Never loaded (parse_allow_proto refuses them): nothing is allowed by them.
    case AllowProto::sctp:
    case AllowProto::other: return false;
    }
    return false;
}

bool is_icmp(AllowProto proto) { return proto == AllowProto::icmp || proto == AllowProto::icmpv6; }

std::optional<AddressScope> parse_address_scope(std::string_view name) {
    for (int s = 0; s <= static_cast<int>(AddressScope::internet); ++s)
        if (scope_name(static_cast<AddressScope>(s)) == name) return static_cast<AddressScope>(s);
    return std::nullopt;
}

std::string PortRange::to_string() const {
    return is_single() ? std::to_string(first) : std::to_string(first) + "-" + std::to_string(last);
}

bool AllowEntry::operator==(const AllowEntry& other) const {
    // `line` says where an entry was read, not what it allows.
    return host == other.host && addresses == other.addresses && ports == other.ports && proto == other.proto &&
           scope == other.scope && processes == other.processes && images == other.images && sources == other.sources &&
           seen_on == other.seen_on;
}

std::string entry_label(const AllowEntry& entry) {
    std::string where;
    if (entry.host) {
        where = entry.host->text();
    } else {
        for (const Cidr& c : entry.addresses) {
            if (!where.empty()) where += ",";
            bool bare_v6 = c.network.family == Family::ipv6 && c.is_single_address();
            where += bare_v6 ? "[" + c.to_string() + "]" : c.to_string();
        }
    }
    if (is_icmp(entry.proto)) return where + " " + std::string(allow_proto_name(entry.proto));
    return where + ":" + entry.ports.to_string() + "/" + std::string(allow_proto_name(entry.proto));
}

EntryIdentity identity_of(const AllowEntry& entry) {
    EntryIdentity id;
    id.is_host = entry.host.has_value();
    if (entry.host)
        id.name = entry.host->text();
    else if (!entry.addresses.empty())
        id.name = entry.addresses.front().to_string();
    id.ports = entry.ports;
    id.proto = entry.proto;
    return id;
}

}  // namespace egresswatch
