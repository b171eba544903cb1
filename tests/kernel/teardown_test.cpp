// Nothing outlives egresswatch: no attached program and no cgroup, after a clean exit and
// after SIGKILL.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "kernel/kernel_env.h"

using namespace egresswatch::test;
namespace fs = std::filesystem;

namespace {

template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds within = std::chrono::seconds(5)) {
    auto deadline = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return pred();
}

std::vector<pid_t> procs_in(const std::string& cgroup) {
    std::vector<pid_t> pids;
    std::ifstream in(cgroup + "/cgroup.procs");
    pid_t p;
    while (in >> p) pids.push_back(p);
    return pids;
}

}  // namespace

TEST(Teardown, CleanExitLeavesNothingAttached) {
    EW_REQUIRE_KERNEL();
    ASSERT_FALSE(any_egresswatch_program_loaded()) << "a previous egresswatch is still loaded";
    std::string dir = make_temp_dir("ew-tear-");
    auto r = run_egresswatch({"run", "--quiet", "--out", dir, "--", "true"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_FALSE(any_egresswatch_program_loaded());
    auto events = read_events(dir);
    ASSERT_FALSE(events.empty());
    std::string cgroup = events.front()["cgroup"];
    EXPECT_FALSE(fs::exists(cgroup2_mount_for_tests() + cgroup)) << cgroup << " was left behind";
    fs::remove_all(dir);
}

TEST(Teardown, BackgroundChildrenAreMovedOutAndTheCgroupRemoved) {
    EW_REQUIRE_KERNEL();
    std::string dir = make_temp_dir("ew-tear-");
    auto r = run_egresswatch({"run", "--quiet", "--out", dir, "--", "sh", "-c", "sleep 30 >/dev/null 2>&1 & echo $! > " + dir + "/bg.pid"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("moved out of the observed cgroup"), std::string::npos) << r.err;
    std::string cgroup = read_events(dir).front()["cgroup"];
    EXPECT_FALSE(fs::exists(cgroup2_mount_for_tests() + cgroup));
    pid_t bg = std::stoi(read_text(dir + "/bg.pid"));
    EXPECT_EQ(kill(bg, 0), 0) << "the command's background child must keep running";
    kill(bg, SIGKILL);
    fs::remove_all(dir);
}

TEST(Teardown, SigkillLeavesNoProgramAndNoCgroup) {
    EW_REQUIRE_KERNEL();
    std::string dir = make_temp_dir("ew-kill-");
    pid_t ew = fork();
    if (ew == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 2);
        execl(EGRESSWATCH_BINARY, "egresswatch", "run", "--quiet", "--out", dir.c_str(), "--", "sleep", "30",
              static_cast<char*>(nullptr));
        _exit(127);
    }
    std::string cgroup;
    ASSERT_TRUE(eventually([&] {
        std::string text = read_text(dir + "/events.jsonl");
        if (text.find("\"start\"") == std::string::npos) return false;
        cgroup = cgroup2_mount_for_tests() + std::string(read_events(dir).front()["cgroup"]);
        return !procs_in(cgroup).empty();
    })) << "egresswatch run did not start";
    std::vector<pid_t> observed = procs_in(cgroup);
    ASSERT_TRUE(any_egresswatch_program_loaded());

    kill(ew, SIGKILL);
    waitpid(ew, nullptr, 0);
    EXPECT_TRUE(eventually([] { return !any_egresswatch_program_loaded(); })) << "programs still attached";
    EXPECT_TRUE(eventually([&] { return !fs::exists(cgroup); })) << cgroup << " left behind after SIGKILL";
    for (pid_t p : observed) kill(p, SIGKILL);
    fs::remove_all(dir);
}
