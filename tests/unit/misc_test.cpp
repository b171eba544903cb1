#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/duration.h"
#include "output/timefmt.h"

using namespace egresswatch;
using namespace std::chrono_literals;

TEST(Duration, Parses) {
    EXPECT_EQ(parse_duration("60"), 60s);
    EXPECT_EQ(parse_duration("60s"), 60s);
    EXPECT_EQ(parse_duration("500ms"), 500ms);
    EXPECT_EQ(parse_duration("5m"), 5min);
    EXPECT_EQ(parse_duration("2h"), 2h);
    EXPECT_FALSE(parse_duration("0"));
    EXPECT_FALSE(parse_duration("-5s"));
    EXPECT_FALSE(parse_duration("5d"));
    EXPECT_FALSE(parse_duration("s"));
    EXPECT_FALSE(parse_duration("99999999999999999999h"));
}

TEST(Timestamps, RoundTripWithMicroseconds) {
    std::int64_t t = 1'795'000'000'123'456'000;
    std::string text = format_timestamp(t);
    EXPECT_EQ(text, "2026-11-18T11:06:40.123456Z");
    EXPECT_EQ(parse_timestamp(text), t);
    EXPECT_EQ(parse_timestamp("2026-11-18T11:06:40Z"), 1'795'000'000'000'000'000);
    EXPECT_FALSE(parse_timestamp("yesterday"));
}

