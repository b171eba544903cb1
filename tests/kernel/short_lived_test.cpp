// 200 processes that each connect once and exit at once, four at a time: every one must
// be reported with its own pid and exe, though all are gone before userspace looks.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "kernel_env.h"
#include "test_network.h"

using namespace egresswatch::test;
using nlohmann::json;

TEST(ShortLived, TwoHundredOneShotClientsAreEachAttributed) {
    EW_REQUIRE_KERNEL();
    TestNetwork net;
    ASSERT_TRUE(net.ready()) << net.error();
    std::string dir = make_temp_dir("ew-short-");
    std::string script = "for lane in 1 2 3 4; do (for i in $(seq 50); do " + std::string(CONNECT_ONCE_BINARY) + " " +
                         net.v4() + " 8080; done) & done; wait";
    auto r = run_egresswatch({"run", "--quiet", "--out", dir, "--", "bash", "-c", script});
    ASSERT_EQ(r.exit_code, 0) << r.err;

    auto events = read_events(dir);
    std::map<std::uint32_t, std::string> exec_exe;
    for (const auto& e : events_of_type(events, "exec")) exec_exe[e["pid"]] = e["exe"];
    std::set<std::uint32_t> pids;
    std::size_t connects = 0;
    for (const auto& e : events_of_type(events, "connect")) {
        if (e["daddr"] != net.v4() || e["dport"] != 8080) continue;
        ++connects;
        std::uint32_t pid = e["pid"];
        pids.insert(pid);
        EXPECT_EQ(e["exe"], CONNECT_ONCE_BINARY) << e.dump();
        EXPECT_EQ(e["comm"], "connect_once");
        EXPECT_EQ(exec_exe[pid], CONNECT_ONCE_BINARY) << "no exec event for pid " << pid;
        EXPECT_GE(e["ancestry"].size(), 1u);
    }
    EXPECT_EQ(connects, 200u);
    EXPECT_EQ(pids.size(), 200u) << "each connection must carry its own process";
    auto report = json::parse(read_text(dir + "/report.json"));
    EXPECT_EQ(report["counters"]["lost"]["total"], 0);
    std::filesystem::remove_all(dir);
}

// A process that connects to the same destination 50 times crosses the ring buffer once;
// the other 49 are counted in the kernel and still reach the report.
TEST(Dedup, RepeatedConnectsAreCountedInTheKernel) {
    EW_REQUIRE_KERNEL();
    TestNetwork net;
    ASSERT_TRUE(net.ready()) << net.error();
    std::string dir = make_temp_dir("ew-dedup-");
    std::string script = "import socket\nfor _ in range(50):\n    s = socket.create_connection(('" + net.v4() +
                         "', 8080), timeout=5)\n    s.close()\n";
    for (bool every : {false, true}) {
        std::string out = dir + (every ? "/every" : "/dedup");
        std::vector<std::string> args{"run", "--quiet", "--out", out};
        if (every) args.push_back("--every-connect");
        for (const char* a : {"--", "/usr/bin/python3", "-c"}) args.push_back(a);
        args.push_back(script);
        auto r = run_egresswatch(args);
        ASSERT_EQ(r.exit_code, 0) << r.err;
        auto events = read_events(out);
        std::size_t connect_events = 0;
        for (const auto& e : events_of_type(events, "connect"))
            if (e["daddr"] == net.v4()) ++connect_events;
        EXPECT_EQ(connect_events, every ? 50u : 1u);
        auto report = json::parse(read_text(out + "/report.json"));
        ASSERT_EQ(report["destinations"].size(), 1u) << report.dump();
        EXPECT_EQ(report["destinations"][0]["connects"], 50);
        EXPECT_EQ(report["counters"]["events"]["repeat_connects"], every ? 0 : 49);
    }
    std::filesystem::remove_all(dir);
}

// Loss is never silent and never estimated: with a 1 MiB ring buffer left unread until the
// command exits (a test hook), 1000 one-shot clients overflow it, and for connects
// received + counted as lost must equal exactly what was attempted.
TEST(Loss, OverflowIsCountedExactly) {
    EW_REQUIRE_KERNEL();
    TestNetwork net;
    ASSERT_TRUE(net.ready()) << net.error();
    std::string dir = make_temp_dir("ew-loss-");
    std::string script = "for lane in 1 2 3 4; do (for i in $(seq 250); do " + std::string(CONNECT_ONCE_BINARY) + " " +
                         net.v4() + " 8080; done) & done; wait";
    setenv("EGRESSWATCH_TEST_HOLD_EVENTS", "1", 1);
    auto r = run_egresswatch({"run", "--ringbuf-mib", "1", "--out", dir, "--", "bash", "-c", script});
    unsetenv("EGRESSWATCH_TEST_HOLD_EVENTS");
    ASSERT_EQ(r.exit_code, 0) << r.err;

    auto events = read_events(dir);
    std::size_t received = 0;
    for (const auto& e : events_of_type(events, "connect"))
        if (e["daddr"] == net.v4() && e["dport"] == 8080) ++received;
    auto report = json::parse(read_text(dir + "/report.json"));
    auto reasons = report["counters"]["lost"]["reasons"];
    std::uint64_t lost_connects = reasons.value("ringbuf_full_connect", 0);
    EXPECT_GT(lost_connects, 0u) << "the ring buffer did not overflow: the test proved nothing";
    EXPECT_EQ(received + lost_connects, 1000u) << "received " << received << ", lost " << lost_connects;
    EXPECT_EQ(report["summary"]["lost_events"], report["counters"]["lost"]["total"]);
    EXPECT_NE(r.err.find("Lost events: "), std::string::npos) << "the summary must show the loss";
    EXPECT_EQ(events.back()["type"], "stop");
    std::filesystem::remove_all(dir);
}
