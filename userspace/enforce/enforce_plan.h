#pragma once
// An allowlist turned into the tables the kernel enforces it with (bpf/lib/enforce.bpf.h):
// port rules, and the rule sets of address blocks and of names.
//
// What --enforce allows:
// - an address entry: its addresses and blocks, on its ports and proto;
// - a host entry: the addresses DNS answers for a matching name gave the observed
//   processes (learned in the kernel); the addresses it was recorded at do not count,
//   because a CDN's addresses change and a shared address serves other names too;
// - always: loopback (not egress), and port 53 of the resolvers the command uses, without
//   which no host entry could ever be resolved.
// An entry that lists processes allows only those executables (by device and inode).
// `images:` is not enforced: the kernel knows a task's cgroup, not its image. An entry
// that lists a container image allows any process, since its processes are paths inside
// the containers, which the host's files cannot identify; one that lists only kNoContainer
// keeps its processes. The plan's warnings say so.
//
// The kernel looks up one rule set per table (the longest prefix that matches), so each
// block's and name's set already includes the sets of every shorter block or wildcard
// that covers it.

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "allowlist/allowlist.h"
#include "allowlist/cidr.h"
#include "egresswatch/abi.h"

namespace egresswatch {

constexpr std::size_t kEnforcePortRules = EW_ENFORCE_PORT_RULES;
using EnforceRuleSet = std::bitset<kEnforcePortRules>;

struct EnforcePortRule {
    std::uint16_t first = 0;
    std::uint16_t last = 0;
    std::uint8_t protocols = 0;  // EW_ENFORCE_PROTO_* bits
    std::uint16_t exe_set = 0;   // 0: any process
    auto operator<=>(const EnforcePortRule&) const = default;
};

struct EnforceNetwork {
    Cidr block;
    EnforceRuleSet rules;
};

struct EnforceName {
    std::string pattern;  // as written: "api.example.org", "*.example.org"
    std::string key;      // enforce_name_key(pattern)
    EnforceRuleSet rules;
};

// Executables one entry's `processes` names; ids start at 1.
struct EnforceExeSet {
    std::uint16_t id = 0;
    std::vector<std::string> exes;
};

struct EnforcePlan {
    std::vector<EnforcePortRule> port_rules;  // index == bit in every EnforceRuleSet
    std::vector<EnforceNetwork> networks;
    std::vector<EnforceName> names;
    std::vector<EnforceExeSet> exe_sets;
    // The only sources whose DNS answers teach addresses (unmapped, deduplicated).
    std::vector<IpAddress> trusted_resolvers;
    // What the allowlist asks that the kernel does not enforce, one line each.
    std::vector<std::string> warnings;
};

// `file` names the allowlist in errors (AllowlistError: too many distinct port rules).
// `resolvers` are resolv.conf's nameservers plus those given with --resolver: their port 53
// is allowed and only their answers teach the addresses of allowed names.
EnforcePlan plan_enforcement(const Allowlist& list, const std::vector<IpAddress>& resolvers, const std::string& file);

// The bytes of ew_name_key.name that a pattern is stored under: the lower-case name
// reversed, then a NUL for an exact name or a dot for a wildcard's domain. Its length in
// bits is the key's prefixlen.
std::string enforce_name_key(const HostPattern& pattern);

// A resolver's address as resolv.conf and --resolver write it: a scoped IPv6 address
// (fe80::1%eth0) is still that address.
std::optional<IpAddress> parse_resolver_address(std::string_view text);

// The nameserver addresses of a resolv.conf, in order.
std::vector<IpAddress> resolv_conf_nameservers(std::string_view text);

}  // namespace egresswatch
