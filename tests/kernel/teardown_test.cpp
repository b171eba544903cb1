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

#include "kernel_env.h"

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
    auto r = run_egresswatch(
        {"run", "--quiet", "--out", dir, "--", "sh", "-c", "sleep 30 >/dev/null 2>&1 & echo $! > " + dir + "/bg.pid"});
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

// A reader of --json's stream that goes away ends the stream, not the run: the command runs
// to the end observed, its status is returned and the report is written (issue 15).
TEST(Teardown, AClosedJsonStreamEndsTheStreamNotTheRun) {
    EW_REQUIRE_KERNEL();
    std::string dir = make_temp_dir("ew-pipe-");
    // `yes | head` in the command must still end: the command gets SIGPIPE back.
    // bash for pipefail: the pipeline's status is egresswatch's, not head's.
    auto status = run_command({"bash", "-o", "pipefail", "-c",
                               std::string(EGRESSWATCH_BINARY) + " run --json --quiet --out " + dir +
                                   " -- sh -c 'i=0; while [ $i -lt 50 ]; do /bin/true; i=$((i + 1)); done; "
                                   "yes | head -n 1 >/dev/null; exit 7' | head -n 1 >/dev/null"},
                              std::chrono::seconds(60));
    EXPECT_EQ(status.exit_code, 7) << "egresswatch returns the command's status: " << status.err;
    EXPECT_NE(status.err.find("--json: standard output was closed"), std::string::npos) << status.err;
    auto events = read_events(dir);
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back()["type"], "stop");
    EXPECT_EQ(events.back()["exit_code"], 7);
    EXPECT_EQ(events_of_type(events, "exec").size(), 53u) << "sh, 50 true, yes, head";
    EXPECT_TRUE(fs::exists(dir + "/report.json"));
    fs::remove_all(dir);
}

// SIGINT sent to egresswatch's pid alone (a supervisor) is passed on to the command, as
// SIGTERM and SIGHUP are; Ctrl-C at a terminal reaches the command directly instead.
TEST(Teardown, SigintFromAProcessIsPassedOnToTheCommand) {
    EW_REQUIRE_KERNEL();
    std::string dir = make_temp_dir("ew-int-");
    std::string said = dir + "/said";
    // A process group of its own, as a supervisor's child has: kill(pid) reaches egresswatch
    // alone, not the command.
    pid_t ew = fork();
    if (ew == 0) {
        setpgid(0, 0);
        signal(SIGINT, SIG_DFL);
        // The sleep is killed by the trap and holds no pipe of ctest's, which would otherwise
        // wait the 30 s out.
        std::string script = "trap 'echo interrupted > " + said + "; kill $!; exit 5' INT; echo started > " + said +
                             "; sleep 30 >/dev/null 2>&1 & wait";
        execl(EGRESSWATCH_BINARY, "egresswatch", "run", "--quiet", "--out", dir.c_str(), "--", "/bin/sh", "-c",
              script.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    ASSERT_TRUE(eventually([&] { return fs::exists(said) && read_text(said) == "started\n"; }))
        << "the command did not start";
    kill(ew, SIGINT);
    int status = 0;
    bool ended = eventually([&] { return waitpid(ew, &status, WNOHANG) == ew; }, std::chrono::seconds(10));
    if (!ended) {
        kill(ew, SIGKILL);
        waitpid(ew, &status, 0);
    }
    EXPECT_TRUE(ended) << "SIGINT was not passed on: the command ran on";
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 5) << "the command's trap sets status 5";
    EXPECT_EQ(read_text(said), "interrupted\n");
    auto events = read_events(dir);
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back()["exit_code"], 5);
    fs::remove_all(dir);
}
