#include "protocols/dns/names.h"

#include <array>
#include <string_view>
#include <utility>

namespace egresswatch {

std::string dns_type_name(std::uint16_t type) {
    static constexpr std::array<std::pair<std::uint16_t, std::string_view>, 22> kNames{{
        {1, "A"},      {2, "NS"},     {5, "CNAME"},  {6, "SOA"},   {12, "PTR"},    {13, "HINFO"},
        {15, "MX"},    {16, "TXT"},   {28, "AAAA"},  {33, "SRV"},  {35, "NAPTR"},  {39, "DNAME"},
        {41, "OPT"},   {43, "DS"},    {46, "RRSIG"}, {47, "NSEC"}, {48, "DNSKEY"}, {64, "SVCB"},
        {65, "HTTPS"}, {252, "AXFR"}, {255, "ANY"},  {257, "CAA"},
    }};
    for (const auto& [code, name] : kNames)
        if (code == type) return std::string(name);
    return "TYPE" + std::to_string(type);
}

std::string dns_rcode_name(std::uint8_t rcode) {
    static constexpr std::array<std::string_view, 11> kNames{
        "NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED",
        "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE",
    };
    if (rcode < kNames.size()) return std::string(kNames[rcode]);
    return "RCODE" + std::to_string(rcode);
}

}  // namespace egresswatch
