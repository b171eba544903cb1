#include <gtest/gtest.h>

#include "base/ip_address.h"

using namespace egresswatch;

namespace {
AddressScope scope_of(const char* text) {
    auto ip = IpAddress::parse(text);
    EXPECT_TRUE(ip.has_value()) << text;
    return ip ? classify(*ip) : AddressScope::reserved;
}
}  // namespace

TEST(IpAddress, ParsesAndPrintsBothFamilies) {
    EXPECT_EQ(IpAddress::parse("198.18.0.2")->to_string(), "198.18.0.2");
    EXPECT_EQ(IpAddress::parse("fd00::2")->to_string(), "fd00::2");
    EXPECT_EQ(IpAddress::parse("[2001:db8::1]")->to_string(), "2001:db8::1");
    EXPECT_FALSE(IpAddress::parse("300.1.1.1"));
    EXPECT_FALSE(IpAddress::parse("example.org"));
    EXPECT_FALSE(IpAddress::parse(""));
}

TEST(IpAddress, V4MappedIsUnmapped) {
    auto mapped = *IpAddress::parse("::ffff:93.184.216.34");
    EXPECT_TRUE(mapped.is_v4_mapped());
    EXPECT_EQ(mapped.unmapped(), *IpAddress::parse("93.184.216.34"));
    EXPECT_EQ(mapped.unmapped().family, Family::ipv4);
    EXPECT_FALSE(IpAddress::parse("::1")->is_v4_mapped());
}

struct ScopeCase {
    const char* address;
    AddressScope scope;
};

class ClassifyTest : public ::testing::TestWithParam<ScopeCase> {};

TEST_P(ClassifyTest, Classifies) { EXPECT_EQ(scope_of(GetParam().address), GetParam().scope) << GetParam().address; }

INSTANTIATE_TEST_SUITE_P(
    Ranges, ClassifyTest,
    ::testing::Values(
        ScopeCase{"127.0.0.1", AddressScope::loopback}, ScopeCase{"127.255.0.9", AddressScope::loopback},
        ScopeCase{"::1", AddressScope::loopback}, ScopeCase{"::ffff:127.0.0.1", AddressScope::loopback},
        ScopeCase{"0.0.0.0", AddressScope::unspecified}, ScopeCase{"::", AddressScope::unspecified},
        ScopeCase{"169.254.169.254", AddressScope::link_local}, ScopeCase{"fe80::1", AddressScope::link_local},
        ScopeCase{"10.1.2.3", AddressScope::private_net}, ScopeCase{"172.16.0.1", AddressScope::private_net},
        ScopeCase{"172.31.255.255", AddressScope::private_net}, ScopeCase{"172.32.0.1", AddressScope::internet},
        ScopeCase{"192.168.1.1", AddressScope::private_net}, ScopeCase{"fd12:3456::1", AddressScope::private_net},
        ScopeCase{"fc00::1", AddressScope::private_net}, ScopeCase{"::ffff:10.0.0.1", AddressScope::private_net},
        ScopeCase{"100.64.0.1", AddressScope::cgnat}, ScopeCase{"100.127.255.255", AddressScope::cgnat},
        ScopeCase{"100.128.0.1", AddressScope::internet}, ScopeCase{"224.0.0.251", AddressScope::multicast},
        ScopeCase{"ff02::fb", AddressScope::multicast}, ScopeCase{"255.255.255.255", AddressScope::broadcast},
        ScopeCase{"192.0.2.10", AddressScope::documentation}, ScopeCase{"198.51.100.7", AddressScope::documentation},
        ScopeCase{"203.0.113.5", AddressScope::documentation}, ScopeCase{"2001:db8::5", AddressScope::documentation},
        ScopeCase{"198.18.0.2", AddressScope::benchmark}, ScopeCase{"198.19.255.1", AddressScope::benchmark},
        ScopeCase{"198.20.0.1", AddressScope::internet}, ScopeCase{"2001:2::1", AddressScope::benchmark},
        ScopeCase{"240.0.0.1", AddressScope::reserved}, ScopeCase{"93.184.216.34", AddressScope::internet},
        ScopeCase{"8.8.8.8", AddressScope::internet}, ScopeCase{"2606:4700::1111", AddressScope::internet},
        ScopeCase{"::ffff:8.8.4.4", AddressScope::internet}));

TEST(ScopeFilter, NonlocalExcludesOnlyThisHost) {
    EXPECT_FALSE(scope_matches(AddressScope::loopback, ScopeFilter::nonlocal));
    EXPECT_FALSE(scope_matches(AddressScope::unspecified, ScopeFilter::nonlocal));
    EXPECT_TRUE(scope_matches(AddressScope::private_net, ScopeFilter::nonlocal));
    EXPECT_TRUE(scope_matches(AddressScope::internet, ScopeFilter::nonlocal));
    EXPECT_FALSE(scope_matches(AddressScope::private_net, ScopeFilter::internet));
    EXPECT_TRUE(scope_matches(AddressScope::loopback, ScopeFilter::all));
    EXPECT_EQ(parse_scope_filter("internet"), ScopeFilter::internet);
    EXPECT_FALSE(parse_scope_filter("everything"));
}
