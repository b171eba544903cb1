#include "check/check_targets.h"

namespace egresswatch {
namespace {

void add_narrowed(CheckTarget& target, const std::string& what) {
    target.narrowed += (target.narrowed.empty() ? "" : "; ") + what;
}

CheckTarget target_of(const AllowEntry& entry) {
    CheckTarget t;
    t.port = entry.ports.first;
    t.proto = entry.proto == AllowProto::udp ? CheckProto::udp : CheckProto::tcp;
    std::vector<std::string> blocks;
    for (const Cidr& c : entry.addresses) {
        if (c.is_single_address())
            t.addresses.push_back(c.network);
        else
            blocks.push_back(c.to_string());
    }
    if (is_icmp(entry.proto)) {
        if (entry.host)
            t.host = entry.host->text();
        else if (!t.addresses.empty())
            t.block = t.addresses.front().to_string();
        t.not_checked = "ICMP echo, which check does not send";
        return t;
    }
    if (entry.host) {
        t.host = entry.host->text();
        if (entry.host->is_wildcard()) {
            t.not_checked = "wildcard host, no one name to resolve";
            return t;
        }
    } else if (t.addresses.empty()) {
        t.block = blocks.empty() ? "" : blocks.front();
        t.not_checked = "address block, no one address to connect to";
        return t;
    } else if (!blocks.empty()) {
        add_narrowed(t, "blocks not checked");
    }
    if (!entry.ports.is_single())
        add_narrowed(t, "port range " + entry.ports.to_string() + ": checked " + std::to_string(entry.ports.first));
    if (entry.proto == AllowProto::any) add_narrowed(t, "proto any: checked as tcp");
    return t;
}

}  // namespace

std::vector<CheckTarget> check_targets_of(const Allowlist& list) {
    std::vector<CheckTarget> targets;
    targets.reserve(list.destinations.size());
    for (const AllowEntry& entry : list.destinations) targets.push_back(target_of(entry));
    return targets;
}

}  // namespace egresswatch
