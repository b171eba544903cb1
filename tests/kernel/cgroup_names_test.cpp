// Cgroups made during a session (a container's, a systemd scope's) name the records made in
// them, even when they are gone before egresswatch reads a single event.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "kernel_env.h"
#include "test_network.h"

using namespace egresswatch::test;
using nlohmann::json;

TEST(CgroupNames, ACgroupMadeAndRemovedDuringTheRunNamesItsConnect) {
    EW_REQUIRE_KERNEL();
    TestNetwork net;
    ASSERT_TRUE(net.ready()) << net.error();
    std::string dir = make_temp_dir("ew-cgnames-");
    std::string mount = cgroup2_mount_for_tests();
    // The command makes a cgroup below the run's, connects from it, and removes it again; the
    // ring buffer is read only once the command has exited (the test hook), so the cgroup is
    // gone before egresswatch could look its id up.
    std::string script = "set -e; run=$(grep '^0::' /proc/self/cgroup | cut -d: -f3); base=" + mount +
                         "$run; mkdir $base/made-during-run; echo $$ > $base/made-during-run/cgroup.procs; " +
                         CONNECT_ONCE_BINARY + " " + net.v4() + " " + std::to_string(TestNetwork::kTcpPort) +
                         "; echo $$ > $base/cgroup.procs; rmdir $base/made-during-run";
    CommandResult r;
    {
        ScopedEnv hold("EGRESSWATCH_TEST_HOLD_EVENTS", "1");
        r = run_egresswatch({"run", "--quiet", "--out", dir, "--", "bash", "-c", script});
    }
    ASSERT_EQ(r.exit_code, 0) << r.err;

    auto events = read_events(dir);
    ASSERT_FALSE(events.empty());
    const json& start = events.front();
    EXPECT_EQ(start["kernel_features"]["cgroup_names"], "tp_btf/cgroup_mkdir") << start.dump();
    std::string run_cgroup = start["cgroup"];
    std::size_t connects = 0;
    for (const json& e : events_of_type(events, "connect")) {
        if (e["daddr"] != net.v4()) continue;
        ++connects;
        EXPECT_EQ(e["cgroup"], run_cgroup + "/made-during-run") << e.dump();
    }
    EXPECT_EQ(connects, 1u);
    std::filesystem::remove_all(dir);
}

// A run follows every cgroup its command makes (bpf/lib/followed_cgroups.bpf.h), in a table of
// EW_FOLLOWED_CGROUPS_MAX. Removed ones leave it: a command that makes and removes more cgroups
// than that over its life (a CI job's containers) is still followed, and nothing is lost; and
// a cgroup made after them still carries its connect.
TEST(CgroupNames, RemovedCgroupsLeaveTheFollowedTable) {
    EW_REQUIRE_KERNEL();
    TestNetwork net;
    ASSERT_TRUE(net.ready()) << net.error();
    std::string dir = make_temp_dir("ew-cgfollow-");
    std::string mount = cgroup2_mount_for_tests();
    std::string script = "set -e; run=$(grep '^0::' /proc/self/cgroup | cut -d: -f3); base=" + mount +
                         "$run; for i in $(seq 4200); do mkdir $base/c$i; rmdir $base/c$i; done; "
                         "mkdir $base/last; echo $$ > $base/last/cgroup.procs; " +
                         CONNECT_ONCE_BINARY + " " + net.v4() + " " + std::to_string(TestNetwork::kTcpPort) +
                         "; echo $$ > $base/cgroup.procs; rmdir $base/last";
    auto r = run_egresswatch({"run", "--quiet", "--out", dir, "--", "bash", "-c", script}, std::chrono::seconds(300));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto report = nlohmann::json::parse(read_text(dir + "/report.json"));
    EXPECT_EQ(report["counters"]["lost"]["reasons"].value("followed_cgroups_full", 0), 0)
        << report["counters"]["lost"].dump();
    bool named = false;
    for (const json& e : events_of_type(read_events(dir), "connect"))
        if (e.value("daddr", "") == net.v4()) named = e.value("cgroup", "").ends_with("/last");
    EXPECT_TRUE(named) << "the connect from the last cgroup";
    std::filesystem::remove_all(dir);
}
