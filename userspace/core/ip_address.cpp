#include "core/ip_address.h"

#include <arpa/inet.h>

#include <cstring>

namespace egresswatch {
namespace {

constexpr std::array<std::uint8_t, 12> kV4MappedPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool has_prefix(const std::array<std::uint8_t, 16>& bytes, std::initializer_list<std::uint8_t> prefix,
                unsigned prefix_bits) {
    unsigned i = 0;
    for (std::uint8_t want : prefix) {
        if (prefix_bits == 0) break;
        unsigned bits = prefix_bits >= 8 ? 8 : prefix_bits;
        std::uint8_t mask = static_cast<std::uint8_t>(0xff << (8 - bits));
        if ((bytes[i] & mask) != (want & mask)) return false;
        prefix_bits -= bits;
        ++i;
    }
    return true;
}

AddressScope classify_v4(const std::array<std::uint8_t, 16>& b) {
    struct Range { std::initializer_list<std::uint8_t> prefix; unsigned bits; AddressScope scope; };
    // Most specific first where ranges nest.
    static const Range ranges[] = {
        {{127}, 8, AddressScope::loopback},
        {{0}, 8, AddressScope::unspecified},
        {{169, 254}, 16, AddressScope::link_local},
        {{10}, 8, AddressScope::private_net},
        {{172, 16}, 12, AddressScope::private_net},
        {{192, 168}, 16, AddressScope::private_net},
        {{100, 64}, 10, AddressScope::cgnat},
        {{224}, 4, AddressScope::multicast},
        {{255, 255, 255, 255}, 32, AddressScope::broadcast},
        {{192, 0, 2}, 24, AddressScope::documentation},
        {{198, 51, 100}, 24, AddressScope::documentation},
        {{203, 0, 113}, 24, AddressScope::documentation},
        {{198, 18}, 15, AddressScope::benchmark},
        {{192, 0, 0}, 24, AddressScope::reserved},
        {{240}, 4, AddressScope::reserved},
    };
    for (const auto& r : ranges)
        if (has_prefix(b, r.prefix, r.bits)) return r.scope;
    return AddressScope::internet;
}

AddressScope classify_v6(const std::array<std::uint8_t, 16>& b) {
    static const std::array<std::uint8_t, 16> zero{};
    std::array<std::uint8_t, 16> one{};
    one[15] = 1;
    if (b == one) return AddressScope::loopback;
    if (b == zero) return AddressScope::unspecified;
    struct Range { std::initializer_list<std::uint8_t> prefix; unsigned bits; AddressScope scope; };
    static const Range ranges[] = {
        {{0xfe, 0x80}, 10, AddressScope::link_local},
        {{0xfc}, 7, AddressScope::private_net},
        {{0xff}, 8, AddressScope::multicast},
        {{0x20, 0x01, 0x0d, 0xb8}, 32, AddressScope::documentation},
        {{0x20, 0x01, 0x00, 0x02, 0x00, 0x00}, 48, AddressScope::benchmark},
        {{0x01, 0x00, 0, 0, 0, 0, 0, 0}, 64, AddressScope::reserved},  // discard-only
        {{0x20}, 3, AddressScope::internet},                           // global unicast
    };
    for (const auto& r : ranges)
        if (has_prefix(b, r.prefix, r.bits)) return r.scope;
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
    case ScopeFilter::nonlocal:
        return scope != AddressScope::loopback && scope != AddressScope::unspecified;
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
    case 6: return "tcp";
    case 17: return "udp";
    case 1: return "icmp";
    case 58: return "icmpv6";
    case 132: return "sctp";
    default: return "other";
    }
}

std::optional<std::uint8_t> parse_protocol(std::string_view name) {
    for (int p : {6, 17, 1, 58, 132})
        if (protocol_name(static_cast<std::uint8_t>(p)) == name) return static_cast<std::uint8_t>(p);
    return std::nullopt;
}

}  // namespace egresswatch
