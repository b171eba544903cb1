#include <gtest/gtest.h>

#include "core/aggregator.h"
#include "session_fixture.h"

using namespace egresswatch;

TEST(Aggregator, GroupsByDestinationAndUnmapsV4) {
    Aggregator agg;
    test::play_fixture_session(agg);
    const auto& d = agg.destinations();
    ASSERT_EQ(d.size(), 7u) << "two virtual hosts on 198.18.0.3:80 are two destinations";
    DestinationKey web{*IpAddress::parse("93.184.216.34"), 443, 6};
    ASSERT_TRUE(d.count(web));
    const DestinationStats& s = d.at(web);
    EXPECT_EQ(s.scope, AddressScope::internet);
    EXPECT_EQ(s.connects, 5u) << "v4-mapped and plain IPv4 are one destination; 3 repeats counted in the kernel";
    EXPECT_EQ(s.connect_repeats, 3u);
    ASSERT_NE(agg.use_by(s, "/usr/bin/curl"), nullptr);
    EXPECT_EQ(agg.use_by(s, "/usr/bin/curl")->count, 4u);
    EXPECT_EQ(s.processes.size(), 2u);
    EXPECT_EQ(s.first_seen_ns, test::kT0 + 1'000'000);
    EXPECT_EQ(s.last_seen_ns, test::kT0 + 6'000'000) << "the kernel-counted repeats were flushed last";
}

TEST(Aggregator, CountsKernelRepeatsIntoTheDestination) {
    Aggregator agg;
    test::play_fixture_session(agg);
    DestinationKey dns{*IpAddress::parse("fd00::53"), 53, 17};
    const DestinationStats& s = agg.destinations().at(dns);
    EXPECT_EQ(s.sends, 1u);
    EXPECT_EQ(s.repeats, 4u);
    EXPECT_EQ(s.total(), 5u);
    EXPECT_EQ(agg.processes().at("/usr/bin/python3.11")->connections, 5u);
    EXPECT_EQ(s.connects, 0u) << "datagram repeats are not connects";
}

TEST(Aggregator, LossIsCumulativeNotSummed) {
    Aggregator agg;
    test::play_fixture_session(agg);
    EXPECT_EQ(agg.loss().total(), 2u);
    EXPECT_EQ(agg.counts().connect, 7u);
    EXPECT_EQ(agg.counts().send, 1u);
    EXPECT_EQ(agg.counts().exit, 1u);
    ASSERT_TRUE(agg.stop());
    EXPECT_EQ(agg.stop()->exit_code, 0);
}

TEST(Aggregator, DestinationLabels) {
    EXPECT_EQ(destination_label({*IpAddress::parse("198.18.0.2"), 80, 6}), "198.18.0.2:80/tcp");
    EXPECT_EQ(destination_label({*IpAddress::parse("fd00::2"), 53, 17}), "[fd00::2]:53/udp");
}
