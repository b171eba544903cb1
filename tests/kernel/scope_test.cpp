// What egresswatch must not report: processes outside the observed command or cgroup.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "kernel_env.h"
#include "test_network.h"

using namespace egresswatch::test;
using nlohmann::json;

namespace {

// A loop of connects to `port` from outside any observed cgroup, running in the background.
pid_t start_outside_loop(const std::string& v4, int port, int iterations) {
    pid_t pid = fork();
    if (pid == 0) {
        std::string script = "for i in $(seq " + std::to_string(iterations) + "); do " + CONNECT_ONCE_BINARY + " " +
                             v4 + " " + std::to_string(port) + "; sleep 0.05; done";
        execl("/bin/bash", "bash", "-c", script.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    return pid;
}

bool still_running(pid_t pid) { return waitpid(pid, nullptr, WNOHANG) == 0; }

}  // namespace

TEST(Scope, ProcessOutsideTheRunIsNotReported) {
    EW_REQUIRE_KERNEL();
    TestNetwork net;
    ASSERT_TRUE(net.ready()) << net.error();
    std::string dir = make_temp_dir("ew-scope-");
    pid_t outside = start_outside_loop(net.v4(), 8081, 80);  // ~4 s of connects
    usleep(300 * 1000);
    std::string inside = std::string(CONNECT_ONCE_BINARY) + " " + net.v4() + " 8080; sleep 1; " + CONNECT_ONCE_BINARY +
                         " " + net.v4() + " 8080";
    auto r = run_egresswatch({"run", "--quiet", "--out", dir, "--", "bash", "-c", inside});
    bool overlapped = still_running(outside);
    kill(outside, SIGKILL);
    waitpid(outside, nullptr, 0);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_TRUE(overlapped) << "the outside loop ended before the run did: the test proved nothing";

    auto events = read_events(dir);
    std::size_t inside_connects = 0;
    for (const auto& e : events_of_type(events, "connect")) {
        EXPECT_NE(e["dport"], 8081) << "outside process reported: " << e.dump();
        if (e["dport"] == 8080) ++inside_connects;
    }
    EXPECT_EQ(inside_connects, 2u);
    for (const auto& e : events_of_type(events, "exec"))
        EXPECT_EQ(e["cgroup"], events.front()["cgroup"]) << "process outside the run reported: " << e.dump();
    std::filesystem::remove_all(dir);
}

TEST(Scope, WatchOneCgroupSeesOnlyThatCgroup) {
    EW_REQUIRE_KERNEL();
    TestNetwork net;
    ASSERT_TRUE(net.ready()) << net.error();
    std::string mount = cgroup2_mount_for_tests();
    std::string cg_name = "ewtest-watch-" + std::to_string(getpid());
    std::string cg = mount + "/" + cg_name;
    ASSERT_EQ(mkdir(cg.c_str(), 0755), 0);
    std::string dir = make_temp_dir("ew-watch-");

    pid_t watcher = fork();
    if (watcher == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 2);
        execl(EGRESSWATCH_BINARY, "egresswatch", "watch", "--quiet", "--cgroup", ("/" + cg_name).c_str(), "--duration",
              "4s", "--out", dir.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    // Wait for the watch to be attached: it writes its start record then.
    for (int i = 0; i < 100 && read_text(dir + "/events.jsonl").find("\"start\"") == std::string::npos; ++i)
        usleep(50 * 1000);
    // Inside the cgroup: a shell that moves itself in, then connects.
    auto in = sh("echo $$ > " + cg + "/cgroup.procs && " + CONNECT_ONCE_BINARY + " " + net.v4() + " 8080");
    auto out = sh(std::string(CONNECT_ONCE_BINARY) + " " + net.v4() + " 8081");
    int status = 0;
    waitpid(watcher, &status, 0);
    rmdir(cg.c_str());
    ASSERT_TRUE(WIFEXITED(status)) << "watch did not exit by itself after --duration";
    EXPECT_EQ(WEXITSTATUS(status), 0);

    auto events = read_events(dir);
    ASSERT_FALSE(events.empty()) << "watch wrote nothing";
    std::size_t seen_inside = 0;
    for (const auto& e : events_of_type(events, "connect")) {
        EXPECT_NE(e["dport"], 8081) << "connect outside the watched cgroup reported: " << e.dump();
        if (e["dport"] == 8080) {
            ++seen_inside;
            EXPECT_EQ(e["cgroup"], "/" + cg_name);
            EXPECT_EQ(e["exe"], CONNECT_ONCE_BINARY);
        }
    }
    EXPECT_EQ(seen_inside, 1u);
    EXPECT_TRUE(std::filesystem::exists(dir + "/report.json"));
    std::filesystem::remove_all(dir);
}

TEST(Scope, WatchStopsOnSigintAndFlushes) {
    EW_REQUIRE_KERNEL();
    std::string dir = make_temp_dir("ew-sigint-");
    pid_t watcher = fork();
    if (watcher == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 2);
        execl(EGRESSWATCH_BINARY, "egresswatch", "watch", "--quiet", "--out", dir.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    for (int i = 0; i < 100 && read_text(dir + "/events.jsonl").find("\"start\"") == std::string::npos; ++i)
        usleep(50 * 1000);
    kill(watcher, SIGINT);
    int status = 0;
    waitpid(watcher, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
    auto events = read_events(dir);
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back()["type"], "stop");
    EXPECT_TRUE(std::filesystem::exists(dir + "/allowlist.yaml"));
    EXPECT_FALSE(any_egresswatch_program_loaded());
    std::filesystem::remove_all(dir);
}
