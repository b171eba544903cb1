#pragma once
// An IPv4 or IPv6 address as it crossed the ABI, and where on the network it points.

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace egresswatch {

enum class Family : std::uint8_t { ipv4, ipv6 };

struct IpAddress {
    Family family = Family::ipv4;
    std::array<std::uint8_t, 16> bytes{};  // network order; IPv4 uses the first 4

    static IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d);
    static std::optional<IpAddress> parse(std::string_view text);

    bool is_v4_mapped() const;
    // ::ffff:a.b.c.d becomes a.b.c.d: the destination is the same host either way, and
    // allowlists and classification must not tell them apart.
    IpAddress unmapped() const;
    std::string to_string() const;

    auto operator<=>(const IpAddress&) const = default;
};

// Where a destination is, from most to least local. Ordered so that reports can sort by it.
enum class AddressScope : std::uint8_t {
    loopback,
    unspecified,  // 0.0.0.0/8, ::  (connecting there reaches this host)
    link_local,
    private_net,  // RFC 1918, IPv6 ULA
    cgnat,        // 100.64.0.0/10
    multicast,
    broadcast,
    documentation,  // TEST-NET-1/2/3, 2001:db8::/32
    benchmark,      // 198.18.0.0/15, 2001:2::/48
    reserved,
    internet,
};

AddressScope classify(const IpAddress& address);
std::string_view scope_name(AddressScope scope);

// Which destinations a report or allowlist keeps.
enum class ScopeFilter : std::uint8_t { internet, nonlocal, all };

bool scope_matches(AddressScope scope, ScopeFilter filter);
std::optional<ScopeFilter> parse_scope_filter(std::string_view text);
std::string_view scope_filter_name(ScopeFilter filter);

std::string_view protocol_name(std::uint8_t protocol);
// What follows an address in a label: ":443/tcp", or " icmp" for ICMP, which has no port.
std::string port_and_protocol_label(std::uint16_t port, std::uint8_t protocol);
std::optional<std::uint8_t> parse_protocol(std::string_view name);

}  // namespace egresswatch
