#include "protocols/dns/resolutions.h"

#include <algorithm>
#include <map>

namespace egresswatch {

std::vector<DnsResolution> dns_resolutions(const DnsMessage& message) {
    // The first CNAME per owner: a name with several CNAMEs is invalid, and following one
    // keeps the walk a chain.
    std::map<std::string_view, const DnsRecord*> cname_of;
    for (const auto& record : message.answers)
        if (record.type == kDnsTypeCname && !record.target.empty()) cname_of.emplace(record.name, &record);

    struct Reach {
        std::vector<std::string> chain;
        std::uint32_t ttl;
    };
    std::map<std::string_view, Reach> reachable;
    if (!message.question.empty()) {
        Reach step{{}, UINT32_MAX};
        std::string_view owner = message.question;
        reachable.emplace(owner, step);
        for (std::size_t hops = 0; hops < kMaxCnameChain; ++hops) {
            auto cname = cname_of.find(owner);
            if (cname == cname_of.end()) break;
            const DnsRecord& record = *cname->second;
            if (reachable.count(record.target)) break;  // a loop: every name on it is already placed
            step.chain.push_back(record.target);
            step.ttl = std::min(step.ttl, record.ttl);
            owner = record.target;
            reachable.emplace(owner, step);
        }
    }

    std::vector<DnsResolution> resolutions;
    for (const auto& record : message.answers) {
        if (!record.address) continue;
        DnsResolution resolution;
        resolution.address = *record.address;
        resolution.ttl = record.ttl;
        if (auto reach = reachable.find(record.name); reach != reachable.end()) {
            resolution.name = message.question;
            resolution.cname_chain = reach->second.chain;
            resolution.ttl = std::min(resolution.ttl, reach->second.ttl);
        } else {
            resolution.name = record.name;
        }
        resolutions.push_back(std::move(resolution));
    }
    return resolutions;
}

}  // namespace egresswatch
