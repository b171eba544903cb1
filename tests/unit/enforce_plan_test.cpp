// The allowlist as the kernel enforces it: port rules, rule sets folded from covering
// blocks and wildcards, name keys, process sets, and the resolvers that are always allowed.
#include <gtest/gtest.h>

#include "allowlist/allowlist_loader.h"
#include "enforce/enforce_plan.h"

namespace egresswatch {
namespace {

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

EnforcePlan plan_of(const std::string& yaml, std::vector<IpAddress> resolvers = {}) {
    return plan_enforcement(parse_allowlist(yaml, "allow.yaml"), resolvers, "allow.yaml");
}

const EnforceNetwork* network(const EnforcePlan& plan, const char* block) {
    for (const auto& n : plan.networks)
        if (n.block == *Cidr::parse(block)) return &n;
    return nullptr;
}

const EnforceName* name(const EnforcePlan& plan, const char* pattern) {
    for (const auto& n : plan.names)
        if (n.pattern == pattern) return &n;
    return nullptr;
}

// The rules a set allows, as readable tuples.
std::vector<EnforcePortRule> rules_of(const EnforcePlan& plan, const EnforceRuleSet& set) {
    std::vector<EnforcePortRule> out;
    for (std::size_t i = 0; i < plan.port_rules.size(); ++i)
        if (set.test(i)) out.push_back(plan.port_rules[i]);
    return out;
}

constexpr std::uint8_t kTcp = EW_ENFORCE_PROTO_TCP, kUdp = EW_ENFORCE_PROTO_UDP;

TEST(EnforcePlan, NameKeysAreReversedWithATerminatorOrADot) {
    EXPECT_EQ(enforce_name_key(*HostPattern::parse("API.Example.org.")), std::string("gro.elpmaxe.ipa\0", 16));
    EXPECT_EQ(enforce_name_key(*HostPattern::parse("*.example.org")), "gro.elpmaxe.");
    // The wildcard's key is a prefix of every name below it, and not of the apex.
    std::string below = enforce_name_key(*HostPattern::parse("a.b.example.org"));
    std::string apex = enforce_name_key(*HostPattern::parse("example.org"));
    EXPECT_TRUE(below.starts_with("gro.elpmaxe."));
    EXPECT_FALSE(apex.starts_with("gro.elpmaxe."));
}

TEST(EnforcePlan, LoopbackAndResolversAreAlwaysAllowed) {
    EnforcePlan plan = plan_of("version: 1\ndestinations: []\n", {ip("192.0.2.53"), ip("::ffff:192.0.2.54")});
    ASSERT_NE(network(plan, "127.0.0.0/8"), nullptr);
    ASSERT_NE(network(plan, "::1"), nullptr);
    auto loopback = rules_of(plan, network(plan, "127.0.0.0/8")->rules);
    ASSERT_EQ(loopback.size(), 1u);
    EXPECT_EQ(loopback[0].first, 0);
    EXPECT_EQ(loopback[0].last, 65535);
    EXPECT_EQ(loopback[0].protocols,
              kTcp | kUdp | EW_ENFORCE_PROTO_OTHER | EW_ENFORCE_PROTO_ICMP | EW_ENFORCE_PROTO_ICMPV6);
    const EnforceNetwork* resolver = network(plan, "192.0.2.54");
    ASSERT_NE(resolver, nullptr) << "a v4-mapped resolver is its IPv4 address";
    auto dns = rules_of(plan, resolver->rules);
    ASSERT_EQ(dns.size(), 1u);
    EXPECT_EQ(dns[0].first, 53);
    EXPECT_EQ(dns[0].last, 53);
    EXPECT_EQ(dns[0].protocols, kTcp | kUdp);
    EXPECT_TRUE(plan.names.empty());
}

TEST(EnforcePlan, OnlyTheGivenResolversAreTrustedOnceEach) {
    EnforcePlan plan =
        plan_of("version: 1\ndestinations: []\n", {ip("192.0.2.53"), ip("::ffff:192.0.2.53"), ip("fd00::53")});
    EXPECT_EQ(plan.trusted_resolvers, (std::vector<IpAddress>{ip("192.0.2.53"), ip("fd00::53")}))
        << "a v4-mapped resolver is its IPv4 address, listed once";
    EXPECT_TRUE(plan_of("version: 1\ndestinations: []\n").trusted_resolvers.empty());
}

TEST(EnforcePlan, IcmpEntriesAllowEchoToTheirAddressesOnly) {
    EnforcePlan plan = plan_of(R"(version: 1
destinations:
  - addresses: [198.18.0.9]
    proto: icmp
  - addresses: ["fd00::9"]
    proto: icmpv6
)");
    auto v4 = rules_of(plan, network(plan, "198.18.0.9")->rules);
    ASSERT_EQ(v4.size(), 1u);
    EXPECT_EQ(v4[0].protocols, EW_ENFORCE_PROTO_ICMP);
    EXPECT_EQ(v4[0].first, 0);
    EXPECT_EQ(v4[0].last, 0) << "echo requests are judged with port 0";
    auto v6 = rules_of(plan, network(plan, "fd00::9")->rules);
    ASSERT_EQ(v6.size(), 1u);
    EXPECT_EQ(v6[0].protocols, EW_ENFORCE_PROTO_ICMPV6);
}

TEST(EnforcePlan, HostEntriesAreNamesAndTheirRecordedAddressesDoNotCount) {
    EnforcePlan plan = plan_of(R"(version: 1
destinations:
  - host: pkg.example.org
    addresses: [203.0.113.10]
    port: 443
    proto: tcp
)");
    EXPECT_EQ(network(plan, "203.0.113.10"), nullptr);
    const EnforceName* pkg = name(plan, "pkg.example.org");
    ASSERT_NE(pkg, nullptr);
    EXPECT_EQ(pkg->key, enforce_name_key(*HostPattern::parse("pkg.example.org")));
    auto rules = rules_of(plan, pkg->rules);
    ASSERT_EQ(rules.size(), 1u);
    EXPECT_EQ(rules[0].first, 443);
    EXPECT_EQ(rules[0].protocols, kTcp);
    EXPECT_EQ(rules[0].exe_set, 0);
}

TEST(EnforcePlan, CoveringWildcardsAndBlocksAreFoldedIntoTheLongerKey) {
    EnforcePlan plan = plan_of(R"(version: 1
destinations:
  - host: "*.example.org"
    port: 443
    proto: tcp
  - host: api.example.org
    port: 8080
    proto: tcp
  - host: example.org
    port: 80
    proto: tcp
  - addresses: [10.0.0.0/8]
    port: 22
    proto: tcp
  - addresses: [10.1.0.0/16]
    port: "8000-8100"
    proto: any
)");
    auto ports = [&](const EnforceRuleSet& set) {
        std::vector<std::uint16_t> out;
        for (const auto& r : rules_of(plan, set)) out.push_back(r.first);
        std::sort(out.begin(), out.end());
        return out;
    };
    EXPECT_EQ(ports(name(plan, "api.example.org")->rules), (std::vector<std::uint16_t>{443, 8080}));
    EXPECT_EQ(ports(name(plan, "*.example.org")->rules), (std::vector<std::uint16_t>{443}));
    EXPECT_EQ(ports(name(plan, "example.org")->rules), (std::vector<std::uint16_t>{80}))
        << "the apex is not below its own wildcard";
    EXPECT_EQ(ports(network(plan, "10.1.0.0/16")->rules), (std::vector<std::uint16_t>{22, 8000}));
    EXPECT_EQ(ports(network(plan, "10.0.0.0/8")->rules), (std::vector<std::uint16_t>{22}));
    for (const auto& r : rules_of(plan, network(plan, "10.1.0.0/16")->rules))
        if (r.first == 8000) {
            EXPECT_EQ(r.last, 8100);
            EXPECT_EQ(r.protocols, kTcp | kUdp) << "proto any";
        }
}

// The folding is done in one ordered pass (blocks) and by prefix lookups (names); this is
// the definition it must agree with: every covering block or wildcard, pair by pair.
TEST(EnforcePlan, FoldingAgreesWithComparingEveryPair) {
    std::string yaml = "version: 1\ndestinations:\n";
    const char* blocks[] = {"10.0.0.0/8",  "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3",      "10.2.0.0/16",
                            "10.1.3.0/24", "0.0.0.0/0",   "11.0.0.0/8",  "10.1.2.128/25", "fd00::/8",
                            "fd00:1::/32", "fd00:1::5",   "::/0",        "198.18.0.2",    "10.255.255.255"};
    const char* hosts[] = {"*.org",           "*.example.org",    "example.org",       "a.example.org",
                           "*.a.example.org", "b.a.example.org",  "*.b.a.example.org", "c.example.net",
                           "*.net",           "x.y.z.example.org"};
    int port = 1;
    for (const char* b : blocks)
        yaml += "  - addresses: [" + std::string(b) + "]\n    port: " + std::to_string(port++) + "\n    proto: tcp\n";
    for (const char* h : hosts)
        yaml += "  - host: \"" + std::string(h) + "\"\n    port: " + std::to_string(port++) + "\n    proto: tcp\n";
    EnforcePlan plan = plan_of(yaml, {ip("10.1.2.3"), ip("192.0.2.53")});

    ASSERT_EQ(plan.networks.size(), std::size(blocks) + 3) << "loopback, ::1 and one new resolver";
    for (const EnforceNetwork& n : plan.networks) {
        EnforceRuleSet expected;
        // Own rules: the entry's port (its index is the port rule after loopback and DNS).
        for (std::size_t i = 0; i < std::size(blocks); ++i)
            if (Cidr::parse(blocks[i])->contains(n.block)) expected.set(i + 2);
        if (Cidr::parse("127.0.0.0/8")->contains(n.block) || Cidr::parse("::1")->contains(n.block)) expected.set(0);
        if (n.block == Cidr::host(ip("10.1.2.3")) || n.block == Cidr::host(ip("192.0.2.53"))) expected.set(1);
        EXPECT_EQ(n.rules, expected) << n.block.to_string();
    }
    ASSERT_EQ(plan.names.size(), std::size(hosts));
    for (const EnforceName& n : plan.names) {
        EnforceRuleSet expected;
        HostPattern self = *HostPattern::parse(n.pattern);
        for (std::size_t i = 0; i < std::size(hosts); ++i) {
            HostPattern other = *HostPattern::parse(hosts[i]);
            bool same = other.text() == self.text();
            bool covers = other.is_wildcard() && !same && self.domain().ends_with("." + other.domain());
            if (same || covers) expected.set(std::size(blocks) + 2 + i);
        }
        EXPECT_EQ(n.rules, expected) << n.pattern;
    }
}

TEST(EnforcePlan, EntriesShareRulesAndProcessSets) {
    EnforcePlan plan = plan_of(R"(version: 1
destinations:
  - host: a.example.org
    port: 443
    proto: tcp
    processes: [/usr/bin/pip3, /usr/bin/curl]
  - host: b.example.org
    port: 443
    proto: tcp
    processes: [/usr/bin/curl, /usr/bin/pip3]
  - host: c.example.org
    port: 443
    proto: tcp
)");
    ASSERT_EQ(plan.exe_sets.size(), 1u) << "the same processes in another order are the same set";
    EXPECT_EQ(plan.exe_sets[0].id, 1);
    EXPECT_EQ(plan.exe_sets[0].exes, (std::vector<std::string>{"/usr/bin/curl", "/usr/bin/pip3"}));
    EXPECT_EQ(name(plan, "a.example.org")->rules, name(plan, "b.example.org")->rules);
    EXPECT_NE(name(plan, "a.example.org")->rules, name(plan, "c.example.org")->rules);
    EXPECT_EQ(rules_of(plan, name(plan, "a.example.org")->rules)[0].exe_set, 1);
    EXPECT_EQ(rules_of(plan, name(plan, "c.example.org")->rules)[0].exe_set, 0);
}

// The kernel knows a task's cgroup, not its image, and a process path inside a container
// names no file on the host: such an entry allows any process, and the plan says so.
TEST(EnforcePlan, ImagesAreNotEnforcedAndContainerEntriesAllowAnyProcess) {
    EnforcePlan plan = plan_of(R"y(version: 1
destinations:
  - host: a.example.org
    port: 443
    proto: tcp
    processes: [/bin/busybox]
    images: [localhost/busybox]
  - host: b.example.org
    port: 443
    proto: tcp
    processes: [/usr/bin/curl]
    images: ["(no container)"]
  - host: c.example.org
    port: 443
    proto: tcp
    processes: [/usr/bin/curl]
)y");
    EXPECT_EQ(rules_of(plan, name(plan, "a.example.org")->rules)[0].exe_set, 0);
    EXPECT_NE(rules_of(plan, name(plan, "b.example.org")->rules)[0].exe_set, 0) << "host paths are host files";
    ASSERT_EQ(plan.warnings.size(), 1u);
    EXPECT_EQ(plan.warnings[0],
              "allow.yaml:3: --enforce does not check images: (2 entries list them); those reached from containers "
              "allow any process in the kernel, and --baseline alerts still check both");
    EXPECT_TRUE(
        plan_of("version: 1\ndestinations:\n  - host: c.example.org\n    port: 1\n    proto: tcp\n").warnings.empty());
}

TEST(EnforcePlan, TooManyDistinctRulesIsAnErrorThatSaysWhatToDo) {
    std::string yaml = "version: 1\ndestinations:\n";
    for (int port = 1000; port < 1000 + static_cast<int>(kEnforcePortRules); ++port)
        yaml += "  - addresses: [192.0.2.1]\n    port: " + std::to_string(port) + "\n    proto: tcp\n";
    try {
        plan_of(yaml);
        FAIL() << "expected an AllowlistError";
    } catch (const AllowlistError& e) {
        EXPECT_NE(std::string(e.what()).find("allow.yaml: more than 128 distinct"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("merge port ranges"), std::string::npos);
    }
}

TEST(EnforcePlan, ReadsNameserversFromResolvConf) {
    auto servers = resolv_conf_nameservers(
        "# comment\nsearch example.org\nnameserver 192.0.2.53\n  nameserver\tfe80::1%eth0 ; scoped\n"
        "nameserver not-an-address\nnameserver 2001:db8::53\noptions edns0\n");
    ASSERT_EQ(servers.size(), 3u);
    EXPECT_EQ(servers[0], ip("192.0.2.53"));
    EXPECT_EQ(servers[1], ip("fe80::1"));
    EXPECT_EQ(servers[2], ip("2001:db8::53"));
    EXPECT_TRUE(resolv_conf_nameservers("").empty());
}

}  // namespace
}  // namespace egresswatch
