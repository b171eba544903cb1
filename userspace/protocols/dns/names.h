#pragma once
// DNS type and response code numbers as records show them.

#include <cstdint>
#include <string>

namespace egresswatch {

std::string dns_type_name(std::uint16_t type);   // "A", "AAAA", "CNAME", "HTTPS", ... "TYPE<n>"
std::string dns_rcode_name(std::uint8_t rcode);  // "NOERROR", "NXDOMAIN", ... "RCODE<n>"

}  // namespace egresswatch
