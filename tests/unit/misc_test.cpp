#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "bpf/features.h"
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

TEST(Features, StartRecordAndDoctorNameTheSameHooks) {
    egresswatch::KernelFeatures everything;
    for (const char* probe : {"cgroup/connect4", "tp_btf", "cgroup_skb", "uprobe", "ringbuf"})
        everything.probes.push_back({probe, true, "", false});
    auto in_use = egresswatch::hooks_in_use(true, true);
    ASSERT_EQ(in_use.size(), 6u);
    std::vector<std::string> doctor_hooks, started_hooks;
    for (const auto& [job, hook] : egresswatch::chosen_hooks(everything)) doctor_hooks.push_back(hook);
    for (const auto& [key, hook] : in_use) started_hooks.push_back(hook);
    std::sort(doctor_hooks.begin(), doctor_hooks.end());
    std::sort(started_hooks.begin(), started_hooks.end());
    EXPECT_EQ(doctor_hooks, started_hooks);
    EXPECT_FALSE(egresswatch::hooks_in_use(false, false).contains("payload"));
    EXPECT_FALSE(egresswatch::hooks_in_use(true, false).contains("tls_plaintext"));
    EXPECT_TRUE(egresswatch::hooks_in_use(true, true).contains("tls_plaintext"));
    EXPECT_TRUE(in_use.contains("payload"));
}
