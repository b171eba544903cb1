#pragma once
// Which addresses a DNS answer gave for the name that was asked, through its CNAME chain: what
// the name book learns from each answer.

#include <cstdint>
#include <string>
#include <vector>

#include "base/ip_address.h"
#include "protocols/dns/parser.h"

namespace egresswatch {

struct DnsResolution {
    IpAddress address;
    std::string name;                      // the name that was asked (question), lower-case
    std::vector<std::string> cname_chain;  // CNAME targets followed from the question, ending
                                           // with the address's owner (empty when direct)
    std::uint32_t ttl = 0;                 // the smallest TTL along the chain: how long the
                                           // name-to-address mapping may be relied on
};

// Every A/AAAA answer reachable from the question through the CNAME chain (bounded by
// kMaxCnameChain, loops safe). Answers whose owner is not reachable from the question are
// still returned, with name = their owner and no chain.
std::vector<DnsResolution> dns_resolutions(const DnsMessage& message);

}  // namespace egresswatch
