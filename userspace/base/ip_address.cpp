#include "base/ip_address.h"

#include <arpa/inet.h>

#include <cstring>

#include "egresswatch/abi.h"

namespace egresswatch {
namespace {

constexpr std::array<std::uint8_t, 12> kV4MappedPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

struct Range32 {
    std::uint32_t prefix;
    std::uint32_t mask;
    AddressScope scope;
};

constexpr std::uint32_t ipv4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    return std::uint32_t{a} << 24 | std::uint32_t{b} << 16 | std::uint32_t{c} << 8 | d;
}
constexpr std::uint32_t mask(unsigned bits) { return bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits); }

std::uint32_t word(const std::array<std::uint8_t, 16>& b, int i) {
    return std::uint32_t{b[4 * i]} << 24 | std::uint32_t{b[4 * i + 1]} << 16 | std::uint32_t{b[4 * i + 2]} << 8 |
           b[4 * i + 3];
}

// Most specific first where ranges nest. Classification runs once per new destination,
// so it is plain mask compares.
constexpr Range32 kV4Ranges[] = {
    {ipv4(127, 0, 0, 0), mask(8), AddressScope::loopback},
    {ipv4(0, 0, 0, 0), mask(8), AddressScope::unspecified},
    {ipv4(169, 254, 0, 0), mask(16), AddressScope::link_local},
    {ipv4(10, 0, 0, 0), mask(8), AddressScope::private_net},
    {ipv4(172, 16, 0, 0), mask(12), AddressScope::private_net},
    {ipv4(192, 168, 0, 0), mask(16), AddressScope::private_net},
    {ipv4(100, 64, 0, 0), mask(10), AddressScope::cgnat},
    {ipv4(224, 0, 0, 0), mask(4), AddressScope::multicast},
    {ipv4(255, 255, 255, 255), mask(32), AddressScope::broadcast},
    {ipv4(192, 0, 2, 0), mask(24), AddressScope::documentation},
    {ipv4(198, 51, 100, 0), mask(24), AddressScope::documentation},
    {ipv4(203, 0, 113, 0), mask(24), AddressScope::documentation},
    {ipv4(198, 18, 0, 0), mask(15), AddressScope::benchmark},
    {ipv4(192, 0, 0, 0), mask(24), AddressScope::reserved},
    {ipv4(240, 0, 0, 0), mask(4), AddressScope::reserved},
};

AddressScope classify_v4(const std::array<std::uint8_t, 16>& b) {
    std::uint32_t a = word(b, 0);
    for (const auto& r : kV4Ranges)
        if ((a & r.mask) == r.prefix) return r.scope;
    return AddressScope::internet;
}

AddressScope classify_v6(const std::array<std::uint8_t, 16>& b) {
    std::uint32_t w0 = word(b, 0), w1 = word(b, 1), w2 = word(b, 2), w3 = word(b, 3);
    if ((w0 | w1 | w2) == 0 && w3 == 1) return AddressScope::loopback;
    if ((w0 | w1 | w2 | w3) == 0) return AddressScope::unspecified;
    if ((w0 & mask(10)) == 0xfe800000u) return AddressScope::link_local;
    if ((w0 & mask(7)) == 0xfc000000u) return AddressScope::private_net;  // ULA
    if ((w0 & mask(8)) == 0xff000000u) return AddressScope::multicast;
    if (w0 == 0x20010db8u) return AddressScope::documentation;
    if (w0 == 0x20010002u && (w1 & mask(16)) == 0) return AddressScope::benchmark;  // 2001:2::/48
    if (w0 == 0x01000000u && w1 == 0) return AddressScope::reserved;                // 100::/64, discard-only
    if ((w0 & mask(3)) == 0x20000000u) return AddressScope::internet;               // global unicast
    return AddressScope::reserved;
}

}  // namespace

IpAddress IpAddress::v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    IpAddress ip;
    ip.family = Family::ipv4;
    ip.bytes[0] = a;
    ip.bytes[1] = b;
    ip.bytes[2] = c;
    ip.bytes[3] = d;
    return ip;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    std::string s(text);
    if (s.size() > 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
    IpAddress ip;
    if (inet_pton(AF_INET, s.c_str(), ip.bytes.data()) == 1) {
        ip.family = Family::ipv4;
        return ip;
    }
    if (inet_pton(AF_INET6, s.c_str(), ip.bytes.data()) == 1) {
        ip.family = Family::ipv6;
        return ip;
    }
    return std::nullopt;
}

bool IpAddress::is_v4_mapped() const {
    return family == Family::ipv6 && std::memcmp(bytes.data(), kV4MappedPrefix.data(), 12) == 0;
}

IpAddress IpAddress::unmapped() const {
    if (!is_v4_mapped()) return *this;
    return v4(bytes[12], bytes[13], bytes[14], bytes[15]);
}

std::string IpAddress::to_string() const {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(family == Family::ipv4 ? AF_INET : AF_INET6, bytes.data(), buf, sizeof(buf));
    return buf;
}

AddressScope classify(const IpAddress& address) {
    IpAddress a = address.unmapped();
    return a.family == Family::ipv4 ? classify_v4(a.bytes) : classify_v6(a.bytes);
}

std::string_view scope_name(AddressScope scope) {
    switch (scope) {
    case AddressScope::loopback: return "loopback";
    case AddressScope::unspecified: return "unspecified";
    case AddressScope::link_local: return "link-local";
    case AddressScope::private_net: return "private";
    case AddressScope::cgnat: return "cgnat";
    case AddressScope::multicast: return "multicast";
    case AddressScope::broadcast: return "broadcast";
    case AddressScope::documentation: return "documentation";
    case AddressScope::benchmark: return "benchmark";
    case AddressScope::reserved: return "reserved";
    case AddressScope::internet: return "internet";
    }
    return "unknown";
}

bool scope_matches(AddressScope scope, ScopeFilter filter) {
    switch (filter) {
    case ScopeFilter::all: return true;
    case ScopeFilter::internet: return scope == AddressScope::internet;
    case ScopeFilter::nonlocal: return scope != AddressScope::loopback && scope != AddressScope::unspecified;
    }
    return false;
}

std::optional<ScopeFilter> parse_scope_filter(std::string_view text) {
    if (text == "internet") return ScopeFilter::internet;
    if (text == "nonlocal") return ScopeFilter::nonlocal;
    if (text == "all") return ScopeFilter::all;
    return std::nullopt;
}

std::string_view scope_filter_name(ScopeFilter filter) {
    switch (filter) {
    case ScopeFilter::internet: return "internet";
    case ScopeFilter::nonlocal: return "nonlocal";
    case ScopeFilter::all: return "all";
    }
    return "all";
}

std::string_view protocol_name(std::uint8_t protocol) {
    switch (protocol) {
    case EW_IPPROTO_TCP: return "tcp";
    case EW_IPPROTO_UDP: return "udp";
    case EW_IPPROTO_ICMP: return "icmp";
    case EW_IPPROTO_ICMPV6: return "icmpv6";
    case EW_IPPROTO_SCTP: return "sctp";
    default: return "other";
    }
}

std::string port_and_protocol_label(std::uint16_t port, std::uint8_t protocol) {
    if (protocol == EW_IPPROTO_ICMP || protocol == EW_IPPROTO_ICMPV6) return " " + std::string(protocol_name(protocol));
    return ":" + std::to_string(port) + "/" + std::string(protocol_name(protocol));
}

std::optional<std::uint8_t> parse_protocol(std::string_view name) {
    for (int p : {EW_IPPROTO_TCP, EW_IPPROTO_UDP, EW_IPPROTO_ICMP, EW_IPPROTO_ICMPV6, EW_IPPROTO_SCTP})
        if (protocol_name(static_cast<std::uint8_t>(p)) == name) return static_cast<std::uint8_t>(p);
    return std::nullopt;
}

}  // namespace egresswatch
