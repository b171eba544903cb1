#include "core/enforce_plan.h"

#include <algorithm>
#include <map>


namespace egresswatch {
namespace {

constexpr std::uint8_t kEveryProtocol = EW_ENFORCE_PROTO_TCP | EW_ENFORCE_PROTO_UDP | EW_ENFORCE_PROTO_OTHER |
                                        EW_ENFORCE_PROTO_ICMP | EW_ENFORCE_PROTO_ICMPV6;

std::uint8_t protocol_bits(AllowProto proto) {
    switch (proto) {
    case AllowProto::any: return EW_ENFORCE_PROTO_TCP | EW_ENFORCE_PROTO_UDP;
    case AllowProto::tcp: return EW_ENFORCE_PROTO_TCP;
    case AllowProto::udp: return EW_ENFORCE_PROTO_UDP;
    case AllowProto::icmp: return EW_ENFORCE_PROTO_ICMP;
    case AllowProto::icmpv6: return EW_ENFORCE_PROTO_ICMPV6;
    }
    return 0;
}

class PlanBuilder {
public:
    explicit PlanBuilder(const std::string& file) : file_(file) {}

    std::size_t rule(EnforcePortRule rule) {
        auto [it, added] = rule_index_.try_emplace(rule, plan_.port_rules.size());
        if (added) {
            if (plan_.port_rules.size() == kEnforcePortRules)
                throw AllowlistError(file_ + ": more than " + std::to_string(kEnforcePortRules) +
                                     " distinct (ports, proto, processes) combinations; --enforce supports " +
                                     std::to_string(kEnforcePortRules) + " (merge port ranges)");
            plan_.port_rules.push_back(rule);
        }
        return it->second;
    }

    std::uint16_t exe_set(const std::vector<std::string>& processes) {
        if (processes.empty()) return 0;
        std::vector<std::string> exes = processes;
        std::sort(exes.begin(), exes.end());
        exes.erase(std::unique(exes.begin(), exes.end()), exes.end());
        auto [it, added] = exe_set_index_.try_emplace(exes, static_cast<std::uint16_t>(plan_.exe_sets.size() + 1));
        if (added) plan_.exe_sets.push_back({it->second, exes});
        return it->second;
    }

    void allow_block(const Cidr& block, std::size_t rule) { networks_[block].set(rule); }
    void trust_resolvers(const std::vector<IpAddress>& resolvers) {
        for (const IpAddress& resolver : resolvers) plan_.trusted_resolvers.push_back(resolver.unmapped());
        std::sort(plan_.trusted_resolvers.begin(), plan_.trusted_resolvers.end());
        plan_.trusted_resolvers.erase(std::unique(plan_.trusted_resolvers.begin(), plan_.trusted_resolvers.end()),
                                      plan_.trusted_resolvers.end());
    }
    void allow_name(const HostPattern& pattern, std::size_t rule) {
        auto& name = names_[enforce_name_key(pattern)];
        name.pattern = pattern.text();
        name.rules.set(rule);
    }

    EnforcePlan finish() {
        // Longest prefix wins in the kernel: fold every covering block or wildcard in.
        for (auto& [block, rules] : networks_) {
            plan_.networks.push_back({block, rules});
            for (const auto& [wider, wider_rules] : networks_)
                if (wider != block && wider.contains(block)) plan_.networks.back().rules |= wider_rules;
        }
        for (auto& [key, name] : names_) {
            EnforceName out{name.pattern, key, name.rules};
            for (const auto& [wider_key, wider] : names_)
                if (wider_key != key && wider_key.back() == '.' && key.starts_with(wider_key))
                    out.rules |= wider.rules;
            plan_.names.push_back(std::move(out));
        }
        return std::move(plan_);
    }

private:
    struct NameRules {
        std::string pattern;
        EnforceRuleSet rules;
    };
    const std::string& file_;
    EnforcePlan plan_;
    std::map<EnforcePortRule, std::size_t> rule_index_;
    std::map<std::vector<std::string>, std::uint16_t> exe_set_index_;
    std::map<Cidr, EnforceRuleSet> networks_;
    std::map<std::string, NameRules> names_;
};

}  // namespace

std::string enforce_name_key(const HostPattern& pattern) {
    std::string key(pattern.domain().rbegin(), pattern.domain().rend());
    key.push_back(pattern.is_wildcard() ? '.' : '\0');
    return key;
}

EnforcePlan plan_enforcement(const Allowlist& list, const std::vector<IpAddress>& resolvers, const std::string& file) {
    PlanBuilder plan(file);
    std::size_t local = plan.rule({0, 65535, kEveryProtocol, 0});
    plan.allow_block(*Cidr::parse("127.0.0.0/8"), local);
    plan.allow_block(*Cidr::parse("::1"), local);
    std::size_t dns = plan.rule({53, 53, EW_ENFORCE_PROTO_TCP | EW_ENFORCE_PROTO_UDP, 0});
    for (const IpAddress& resolver : resolvers) plan.allow_block(Cidr::host(resolver.unmapped()), dns);
    plan.trust_resolvers(resolvers);

    for (const AllowEntry& entry : list.destinations) {
        std::size_t rule =
            plan.rule({entry.ports.first, entry.ports.last, protocol_bits(entry.proto), plan.exe_set(entry.processes)});
        if (entry.host)
            plan.allow_name(*entry.host, rule);
        else
            for (const Cidr& block : entry.addresses) plan.allow_block(block, rule);
    }
    return plan.finish();
}

std::vector<IpAddress> resolv_conf_nameservers(std::string_view text) {
    std::vector<IpAddress> out;
    while (!text.empty()) {
        std::size_t eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
        if (std::size_t comment = line.find_first_of("#;"); comment != std::string_view::npos)
            line = line.substr(0, comment);
        std::vector<std::string_view> words;
        for (std::size_t at = 0; (at = line.find_first_not_of(" \t\r", at)) != std::string_view::npos;) {
            std::size_t end = line.find_first_of(" \t\r", at);
            words.push_back(line.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at));
            at = end;
        }
        if (words.size() >= 2 && words[0] == "nameserver") {
            // A scoped IPv6 resolver (fe80::1%eth0) is still that address.
            std::string_view address = words[1].substr(0, words[1].find('%'));
            if (auto ip = IpAddress::parse(address)) out.push_back(*ip);
        }
    }
    return out;
}

}  // namespace egresswatch
