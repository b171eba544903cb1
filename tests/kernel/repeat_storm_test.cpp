// A connect storm: one process connects round robin to 2000 loopback destinations (nothing
// listens, each connect is refused at once) for 12 s. The kernel counts nearly all of them as
// repeats. Every connect() the storm made must be in the report, from the file and replayed,
// and the repeat records must list many destinations each, not one line per destination and
// read (that was 2000 lines every 5 s here). Once as the kernel's counters are read by default
// (in batches) and once as kernels before 5.6 have them read (a walk by key, forced by a test hook).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <optional>

#include "kernel_env.h"

using namespace egresswatch::test;
using nlohmann::json;

namespace {

constexpr int kPort = 40001;

std::uint64_t connects_in_report(const std::string& path) {
    json report = json::parse(read_text(path));
    std::uint64_t sum = 0;
    for (const auto& d : report["destinations"])
        if (d["port"] == kPort && d["proto"] == "tcp") sum += d["connects"].get<std::uint64_t>();
    return sum;
}

}  // namespace

class RepeatStorm : public ::testing::TestWithParam<bool> {};

TEST_P(RepeatStorm, CountsStayExactInFewLines) {
    EW_REQUIRE_KERNEL();
    std::optional<ScopedEnv> walk;
    if (GetParam()) walk.emplace("EGRESSWATCH_TEST_FLOW_WALK", "1");
    std::string dir = make_temp_dir("ew-storm-");
    std::string script = R"PY(import socket, sys, time
made = 0
end = time.monotonic() + 12
while time.monotonic() < end:
    for d in range(2000):
        s = socket.socket()
        s.connect_ex(("127.0.%d.%d" % (1 + d // 250, 1 + d % 250), 40001))
        s.close()
        made += 1
open(sys.argv[1], "w").write(str(made))
)PY";
    auto r = run_egresswatch({"run", "--quiet", "--out", dir, "--", "/usr/bin/python3", "-c", script, dir + "/made"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::uint64_t made = std::stoull(read_text(dir + "/made"));
    ASSERT_GT(made, 2u * 2000) << "the storm must repeat every destination";

    auto events = read_events(dir);
    std::uint64_t first = 0, repeated = 0;
    for (const auto& e : events_of_type(events, "connect"))
        if (e["dport"] == kPort) ++first;
    auto repeats = events_of_type(events, "repeat");
    std::map<std::string, int> lines_per_destination;
    for (const auto& e : repeats) {
        ASSERT_EQ(e["of"], "connect") << e.dump();
        ASSERT_TRUE(e["destinations"].is_array()) << e.dump();
        EXPECT_LE(e["destinations"].size(), 256u);
        for (const auto& d : e["destinations"]) {
            if (d["dport"] != kPort) continue;
            repeated += d["count"].get<std::uint64_t>();
            ++lines_per_destination[d["daddr"]];
        }
    }
    EXPECT_EQ(first, 2000u) << "one connect record per destination";
    EXPECT_EQ(first + repeated, made) << "events.jsonl: connect lines plus repeat counts";
    EXPECT_EQ(connects_in_report(dir + "/report.json"), made);

    // Read every 5 s and at the end: at most 4 records name a destination (5, 10, 12 s and
    // the last read), and 2000 destinations fit in 8 records a read.
    EXPECT_EQ(lines_per_destination.size(), 2000u);
    for (const auto& [daddr, lines] : lines_per_destination) EXPECT_LE(lines, 4) << daddr;
    EXPECT_LE(repeats.size(), 4u * 8u);

    // The report rebuilt from events.jsonl alone counts the same.
    std::string copy = make_temp_dir("ew-storm-report-");
    std::filesystem::copy_file(dir + "/events.jsonl", copy + "/events.jsonl");
    auto replay = run_egresswatch({"report", "--quiet", copy + "/events.jsonl"});
    ASSERT_EQ(replay.exit_code, 0) << replay.err;
    EXPECT_EQ(connects_in_report(copy + "/report.json"), made);
    std::filesystem::remove_all(dir);
    std::filesystem::remove_all(copy);
}

INSTANTIATE_TEST_SUITE_P(CountersRead, RepeatStorm, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "ByKey" : "InBatches"; });
