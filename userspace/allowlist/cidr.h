#pragma once
// An address block (10.0.0.0/8, fd00::/8). A single address is a block of full length,
// so allowlists can hold both in one list and match them the same way.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/ip_address.h"

namespace egresswatch {

struct Cidr {
    IpAddress network;  // host bits are zero
    std::uint8_t prefix = 32;

    static Cidr host(const IpAddress& address);
    // "10.0.0.0/8", "fd00::/8", "198.18.0.2", "::ffff:10.0.0.1". A v4-mapped address or
    // block becomes its IPv4 form, as everywhere else in egresswatch.
    static std::optional<Cidr> parse(std::string_view text);

    static std::uint8_t full_length(Family family) { return family == Family::ipv4 ? 32 : 128; }
    bool is_single_address() const { return prefix == full_length(network.family); }
    bool contains(const IpAddress& address) const;
    bool contains(const Cidr& other) const;
    // A single address prints without its /32 or /128, as the recorder writes it.
    std::string to_string() const;
    // Always with the prefix: what firewalls and policies expect.
    std::string to_prefix_string() const;

    auto operator<=>(const Cidr&) const = default;
};

// Why parse failed, for an error message that says what to write instead.
enum class CidrProblem { none, not_an_address, bad_prefix, host_bits_set };
CidrProblem cidr_problem(std::string_view text);

}  // namespace egresswatch
