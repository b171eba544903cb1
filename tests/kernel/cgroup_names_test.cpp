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
