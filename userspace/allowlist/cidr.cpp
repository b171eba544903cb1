#include "allowlist/cidr.h"

#include <charconv>

namespace egresswatch {
namespace {

bool bit_set(const IpAddress& a, unsigned bit) { return (a.bytes[bit / 8] >> (7 - bit % 8)) & 1; }

IpAddress masked(IpAddress a, std::uint8_t prefix) {
    unsigned length = Cidr::full_length(a.family);
    for (unsigned bit = prefix; bit < length; ++bit)
        a.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
    return a;
}

struct Split {
    std::optional<IpAddress> address;
    std::optional<unsigned> prefix;  // unset: no slash
    bool bad_prefix = false;
};

Split split(std::string_view text) {
    Split s;
    auto slash = text.find('/');
    s.address = IpAddress::parse(text.substr(0, slash));
    if (slash == std::string_view::npos) return s;
    std::string_view digits = text.substr(slash + 1);
    unsigned value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size())
        s.bad_prefix = true;
    else
        s.prefix = value;
    return s;
}

}  // namespace

Cidr Cidr::host(const IpAddress& address) {
    IpAddress a = address.unmapped();
    return Cidr{a, full_length(a.family)};
}

CidrProblem cidr_problem(std::string_view text) {
    Split s = split(text);
    if (!s.address) return CidrProblem::not_an_address;
    if (s.bad_prefix) return CidrProblem::bad_prefix;
    if (!s.prefix) return CidrProblem::none;
    if (*s.prefix > Cidr::full_length(s.address->family)) return CidrProblem::bad_prefix;
    if (masked(*s.address, static_cast<std::uint8_t>(*s.prefix)) != *s.address) return CidrProblem::host_bits_set;
    return CidrProblem::none;
}

std::optional<Cidr> Cidr::parse(std::string_view text) {
    if (cidr_problem(text) != CidrProblem::none) return std::nullopt;
    Split s = split(text);
    Cidr c{*s.address, static_cast<std::uint8_t>(s.prefix.value_or(full_length(s.address->family)))};
    // ::ffff:0:0/96 and narrower are IPv4 blocks written the IPv6 way.
    if (c.network.is_v4_mapped() && c.prefix >= 96) {
        c.network = c.network.unmapped();
        c.prefix = static_cast<std::uint8_t>(c.prefix - 96);
    }
    return c;
}

bool Cidr::contains(const IpAddress& address) const {
    IpAddress a = address.unmapped();
    if (a.family != network.family) return false;
    for (unsigned bit = 0; bit < prefix; ++bit)
        if (bit_set(a, bit) != bit_set(network, bit)) return false;
    return true;
}

bool Cidr::contains(const Cidr& other) const { return other.prefix >= prefix && contains(other.network); }

std::string Cidr::to_string() const { return is_single_address() ? network.to_string() : to_prefix_string(); }

std::string Cidr::to_prefix_string() const { return network.to_string() + "/" + std::to_string(prefix); }

}  // namespace egresswatch
