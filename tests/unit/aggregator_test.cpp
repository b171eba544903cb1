#include <gtest/gtest.h>

#include "report/aggregator.h"
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

// Two ids in place, more on the heap: the set must behave the same on either side of that.
TEST(BoundedIdSet, StaysSortedAndBoundedInPlaceAndOnTheHeap) {
    auto as_vector = [](const BoundedIdSet& s) { return std::vector<std::uint32_t>(s.ids().begin(), s.ids().end()); };
    BoundedIdSet set;
    for (std::uint32_t id : {50u, 10u, 50u}) set.insert(id, 6);
    EXPECT_EQ(as_vector(set), (std::vector<std::uint32_t>{10, 50}));
    BoundedIdSet in_place_copy = set;
    for (std::uint32_t id : {30u, 5u, 70u, 20u, 40u, 10u}) set.insert(id, 6);
    EXPECT_EQ(as_vector(set), (std::vector<std::uint32_t>{5, 10, 20, 30, 50, 70}));
    EXPECT_TRUE(set.truncated()) << "40 did not fit";
    EXPECT_EQ(as_vector(in_place_copy), (std::vector<std::uint32_t>{10, 50}));
    EXPECT_FALSE(in_place_copy.truncated());

    BoundedIdSet heap_copy = set;
    heap_copy.insert(1, 7);
    EXPECT_EQ(as_vector(heap_copy), (std::vector<std::uint32_t>{1, 5, 10, 20, 30, 50, 70}));
    EXPECT_EQ(as_vector(set).size(), 6u) << "a copy owns its ids";
    BoundedIdSet moved = std::move(heap_copy);
    EXPECT_EQ(as_vector(moved).front(), 1u);
    in_place_copy = moved;
    EXPECT_EQ(as_vector(in_place_copy), as_vector(moved));
    moved = BoundedIdSet();
    EXPECT_TRUE(moved.ids().empty());
    EXPECT_EQ(as_vector(in_place_copy).size(), 7u);
}
