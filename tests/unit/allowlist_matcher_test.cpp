// "Is this destination allowed?": names, wildcards, blocks, port ranges, protocols and
// process scope, as baseline alerts and enforcement will ask it.
#include <gtest/gtest.h>

#include "allowlist/allowlist_loader.h"
#include "allowlist/allowlist_matcher.h"

namespace egresswatch {
namespace {

constexpr std::uint8_t kTcp = 6, kUdp = 17;

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

DestinationQuery to(const char* address, std::uint16_t port, std::uint8_t protocol = kTcp,
                    std::optional<std::string> host = std::nullopt, std::optional<std::string> exe = std::nullopt) {
    return DestinationQuery{ip(address), port, protocol, std::move(host), std::move(exe), std::nullopt};
}

TEST(Cidr, ParsesContainsAndPrints) {
    Cidr block = *Cidr::parse("10.20.0.0/16");
    EXPECT_TRUE(block.contains(ip("10.20.255.1")));
    EXPECT_FALSE(block.contains(ip("10.21.0.1")));
    EXPECT_TRUE(block.contains(ip("::ffff:10.20.0.9"))) << "a v4-mapped address is its IPv4 address";
    EXPECT_FALSE(block.contains(ip("fd00::1")));
    EXPECT_EQ(block.to_string(), "10.20.0.0/16");
    EXPECT_EQ(Cidr::parse("192.0.2.1")->to_string(), "192.0.2.1");
    EXPECT_EQ(Cidr::parse("192.0.2.1")->to_prefix_string(), "192.0.2.1/32");
    EXPECT_EQ(Cidr::parse("::ffff:10.0.0.0/104")->to_string(), "10.0.0.0/8");
    EXPECT_TRUE(Cidr::parse("fd00::/8")->contains(ip("fdff::1")));
    EXPECT_TRUE(Cidr::parse("0.0.0.0/0")->contains(ip("8.8.8.8")));
    EXPECT_TRUE(block.contains(*Cidr::parse("10.20.5.0/24")));
    EXPECT_FALSE(Cidr::parse("10.20.5.0/24")->contains(block));
    EXPECT_EQ(cidr_problem("10.0.0.1/8"), CidrProblem::host_bits_set);
    EXPECT_EQ(cidr_problem("10.0.0.0/"), CidrProblem::bad_prefix);
    EXPECT_EQ(cidr_problem("fd00::/129"), CidrProblem::bad_prefix);
    EXPECT_EQ(cidr_problem("example.org"), CidrProblem::not_an_address);
}

TEST(HostPattern, WildcardsMatchDeeperNamesButNotTheApex) {
    HostPattern wild = *HostPattern::parse("*.example.org");
    EXPECT_TRUE(wild.matches("a.example.org"));
    EXPECT_TRUE(wild.matches("a.b.example.org"));
    EXPECT_TRUE(wild.matches("A.Example.Org."));
    EXPECT_FALSE(wild.matches("example.org"));
    EXPECT_FALSE(wild.matches("badexample.org"));
    EXPECT_FALSE(wild.matches("example.org.evil.test"));
    HostPattern exact = *HostPattern::parse("deb.example.org");
    EXPECT_TRUE(exact.matches("DEB.example.org."));
    EXPECT_FALSE(exact.matches("a.deb.example.org"));
    for (const char* bad : {"", "*", "*.", "a.*.org", "*example.org", "a..b", "host:443", "a b", "https://x/"})
        EXPECT_FALSE(HostPattern::parse(bad)) << bad;
}

class AllowlistMatcherTest : public ::testing::Test {
protected:
    Allowlist list = parse_allowlist(R"(version: 1
destinations:
  - host: "*.pkg.example.org"
    port: 443
    proto: tcp
  - host: deb.example.org
    addresses: [151.101.2.132]
    port: 80
    proto: tcp
    processes: [/usr/lib/apt/methods/http]
  - addresses: [10.20.0.0/16, fd00:20::/48]
    port: "8000-8100"
    proto: any
  - addresses: [192.0.2.53]
    port: 53
    proto: udp
)",
                                     "m.yaml");
    AllowlistMatcher matcher{list};
};

TEST_F(AllowlistMatcherTest, HostEntriesMatchByName) {
    auto m = matcher.find(to("198.18.0.9", 443, kTcp, "files.pkg.example.org"));
    ASSERT_TRUE(m);
    EXPECT_EQ(m->entry, &list.destinations[0]);
    EXPECT_EQ(m->reason, MatchReason::host_name);
    EXPECT_TRUE(matcher.allows(to("198.18.0.9", 443, kTcp, "a.b.pkg.example.org")));
    EXPECT_FALSE(matcher.allows(to("198.18.0.9", 443, kTcp, "pkg.example.org"))) << "the apex is not below itself";
    EXPECT_FALSE(matcher.allows(to("198.18.0.9", 443, kUdp, "files.pkg.example.org")));
    EXPECT_FALSE(matcher.allows(to("198.18.0.9", 8443, kTcp, "files.pkg.example.org")));
}

TEST_F(AllowlistMatcherTest, RecordedAddressesCountOnlyWithoutAName) {
    const std::string apt = "/usr/lib/apt/methods/http";
    auto by_address = matcher.find(to("151.101.2.132", 80, kTcp, std::nullopt, apt));
    ASSERT_TRUE(by_address);
    EXPECT_EQ(by_address->reason, MatchReason::recorded_address);
    EXPECT_TRUE(matcher.allows(to("203.0.113.99", 80, kTcp, "deb.example.org", apt)))
        << "a CDN moved: the name decides";
    EXPECT_FALSE(matcher.allows(to("151.101.2.132", 80, kTcp, "other.example.org", apt)))
        << "a shared address does not allow another name";
}

TEST_F(AllowlistMatcherTest, ProcessScope) {
    EXPECT_TRUE(matcher.allows(to("151.101.2.132", 80, kTcp, "deb.example.org", "/usr/lib/apt/methods/http")));
    EXPECT_FALSE(matcher.allows(to("151.101.2.132", 80, kTcp, "deb.example.org", "/usr/bin/curl")));
    EXPECT_FALSE(matcher.allows(to("151.101.2.132", 80, kTcp, "deb.example.org"))) << "exe unknown";
    EXPECT_TRUE(matcher.allows(to("10.20.1.1", 8000, kTcp, std::nullopt, "/usr/bin/curl"))) << "no list: any process";
}

TEST_F(AllowlistMatcherTest, BlocksPortRangesAndProtoAny) {
    auto m = matcher.find(to("10.20.1.1", 8100, kUdp));
    ASSERT_TRUE(m);
    EXPECT_EQ(m->reason, MatchReason::address);
    EXPECT_TRUE(matcher.allows(to("10.20.1.1", 8000, kTcp, "named.example")));
    EXPECT_TRUE(matcher.allows(to("fd00:20::7", 8050, kTcp)));
    EXPECT_TRUE(matcher.allows(to("::ffff:10.20.0.1", 8050, kTcp)));
    EXPECT_FALSE(matcher.allows(to("10.20.1.1", 8101, kTcp)));
    EXPECT_FALSE(matcher.allows(to("10.20.1.1", 7999, kTcp)));
    EXPECT_FALSE(matcher.allows(to("10.21.1.1", 8000, kTcp)));
    EXPECT_FALSE(matcher.allows(to("fd00:21::7", 8050, kTcp)));
    EXPECT_FALSE(matcher.allows(to("10.20.1.1", 8000, 132))) << "any is tcp and udp, not sctp";
    EXPECT_TRUE(matcher.allows(to("192.0.2.53", 53, kUdp)));
    EXPECT_FALSE(matcher.allows(to("192.0.2.53", 53, kTcp)));
}

TEST_F(AllowlistMatcherTest, EntriesForADnsName) {
    auto entries = matcher.entries_for_name("mirror.pkg.example.org");
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0], &list.destinations[0]);
    EXPECT_EQ(matcher.entries_for_name("deb.example.org").size(), 1u);
    EXPECT_TRUE(matcher.entries_for_name("example.org").empty());
}

}  // namespace
}  // namespace egresswatch
