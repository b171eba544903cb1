#include "kernel/enforce_tables.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "egresswatch/abi.h"
#include "enforce/enforce_plan.h"
#include "kernel/libbpf_error.h"

// Last: the skeleton's global variables have the ABI's types (egresswatch/abi.h, above).
#include "egresswatch.skel.h"

namespace egresswatch {
namespace {

static_assert(sizeof(ew_port_rule) == 8);
static_assert(sizeof(ew_rule_set) == EW_ENFORCE_PORT_RULES / 8);
static_assert(sizeof(ew_network_key) == 24);
static_assert(sizeof(ew_learned_key) == 20);
static_assert(sizeof(ew_name_key) == 4 + EW_ENFORCE_NAME_LEN);
static_assert(sizeof(ew_exe_key) == 16);
static_assert(sizeof(ew_dns_query_key) == 16);

ew_rule_set to_kernel(const EnforceRuleSet& rules) {
    ew_rule_set out{};
    for (std::size_t i = 0; i < rules.size(); ++i)
        if (rules.test(i)) out.bits[i / 64] |= std::uint64_t{1} << (i % 64);
    return out;
}

void size_table(bpf_map* map, std::size_t entries, const char* what) {
    if (int err = bpf_map__set_max_entries(map, static_cast<std::uint32_t>(std::max<std::size_t>(entries, 1))))
        throw_bpf_error(std::string("sizing ") + what, err);
}

void put(bpf_map* map, const void* key, const void* value, const std::string& what) {
    if (bpf_map_update_elem(bpf_map__fd(map), key, value, BPF_ANY) != 0)
        throw_bpf_error("loading --enforce table entry " + what, errno);
}

ew_network_key network_key(const Cidr& block) {
    ew_network_key key{};
    bool v4 = block.network.family == Family::ipv4;
    key.family = v4 ? EW_ENFORCE_FAMILY_V4 : EW_ENFORCE_FAMILY_V6;
    key.prefixlen = 8 + block.prefix;
    std::memcpy(key.addr, block.network.bytes.data(), v4 ? 4 : 16);
    return key;
}

// The kernel's dev_t (major << 20 | minor), which is what inode->i_sb->s_dev holds.
std::uint32_t kernel_dev(dev_t dev) { return static_cast<std::uint32_t>(major(dev) << 20 | minor(dev)); }

}  // namespace

void prepare_enforcement(egresswatch_bpf* skel, const EnforcePlan& plan, bool fail_open,
                         std::uint32_t learned_entries) {
    skel->rodata->enforce = true;
    skel->rodata->enforce_fail_open = fail_open;
    skel->rodata->enforce_port_rule_count = static_cast<std::uint32_t>(plan.port_rules.size());
    for (std::size_t i = 0; i < plan.port_rules.size(); ++i) {
        const EnforcePortRule& rule = plan.port_rules[i];
        auto& out = const_cast<ew_port_rule&>(skel->rodata->enforce_port_rules[i]);
        out.first = rule.first;
        out.last = rule.last;
        out.protocols = rule.protocols;
        out.exe_set = rule.exe_set;
    }
    std::size_t exes = 0;
    for (const EnforceExeSet& set : plan.exe_sets) exes += set.exes.size();
    size_table(skel->maps.enforce_networks, plan.networks.size(), "enforce_networks");
    size_table(skel->maps.enforce_names, plan.names.size(), "enforce_names");
    size_table(skel->maps.enforce_exes, exes, "enforce_exes");
    size_table(skel->maps.enforce_learned, learned_entries, "enforce_learned");
    size_table(skel->maps.enforce_resolvers, plan.trusted_resolvers.size(), "enforce_resolvers");
}

void fill_enforcement(egresswatch_bpf* skel, const EnforcePlan& plan) {
    for (const EnforceNetwork& network : plan.networks) {
        ew_network_key key = network_key(network.block);
        ew_rule_set value = to_kernel(network.rules);
        put(skel->maps.enforce_networks, &key, &value, network.block.to_string());
    }
    for (const EnforceName& name : plan.names) {
        ew_name_key key{};
        key.prefixlen = static_cast<std::uint32_t>(name.key.size() * 8);
        std::memcpy(key.name, name.key.data(), std::min(name.key.size(), sizeof(key.name)));
        ew_rule_set value = to_kernel(name.rules);
        put(skel->maps.enforce_names, &key, &value, name.pattern);
    }
    for (const IpAddress& resolver : plan.trusted_resolvers) {
        ew_learned_key key{};
        bool v4 = resolver.family == Family::ipv4;
        key.family = v4 ? EW_ENFORCE_FAMILY_V4 : EW_ENFORCE_FAMILY_V6;
        std::memcpy(key.addr, resolver.bytes.data(), v4 ? 4 : 16);
        std::uint8_t trusted = 1;
        put(skel->maps.enforce_resolvers, &key, &trusted, "resolver " + resolver.to_string());
    }
    for (const EnforceExeSet& set : plan.exe_sets) {
        for (const std::string& exe : set.exes) {
            struct stat st {};
            if (::stat(exe.c_str(), &st) != 0) {
                spdlog::warn("--enforce: {} not found ({}): allowlist entries for it allow no process", exe,
                             std::strerror(errno));
                continue;
            }
            ew_exe_key key{};
            key.ino = st.st_ino;
            key.dev = kernel_dev(st.st_dev);
            key.exe_set = set.id;
            std::uint8_t present = 1;
            put(skel->maps.enforce_exes, &key, &present, exe);
        }
    }
    spdlog::debug("--enforce: {} port rule(s), {} address block(s), {} name(s), {} process set(s)",
                  plan.port_rules.size(), plan.networks.size(), plan.names.size(), plan.exe_sets.size());
}

}  // namespace egresswatch
