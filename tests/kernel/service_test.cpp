// `watch` as a service that runs for weeks: report.json, allowlist.yaml and the alert state
// written while it runs; SIGHUP reopens the files and reads the baseline again; a restart
// keeps what was written before and does not alert again on what it alerted on; a storm's
// events rotated into a bounded number of gzip segments. Real watch, real curl, NamedTestHosts;
// the clients run in a cgroup of the test's own, which the watch observes.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <thread>

#include "named_hosts_run.h"

using namespace egresswatch::test;
using namespace std::chrono_literals;

namespace {

std::string gunzip(const std::string& path) {
    gzFile in = gzopen(path.c_str(), "rb");
    std::string out;
    char buf[1 << 14];
    int n;
    while (in && (n = gzread(in, buf, sizeof(buf))) > 0) out.append(buf, static_cast<std::size_t>(n));
    if (in) gzclose(in);
    return out;
}

class Service : public NamedHostsRun {
protected:
    void SetUp() override {
        NamedHostsRun::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        cg_name_ = "ewtest-service-" + std::to_string(getpid());
        cg_ = cgroup2_mount_for_tests() + "/" + cg_name_;
        ASSERT_EQ(mkdir(cg_.c_str(), 0755), 0) << cg_;
        out_dir_ = dir_ + "/service";
    }
    void TearDown() override {
        stop_watch();
        if (!cg_.empty()) rmdir(cg_.c_str());
        NamedHostsRun::TearDown();
    }

    // `egresswatch watch --cgroup CG --out DIR OPTIONS`, its stderr appended to watch.err.
    void start_watch(const std::vector<std::string>& options) {
        std::vector<std::string> args{EGRESSWATCH_BINARY, "watch", "--quiet", "--cgroup",
                                      "/" + cg_name_,     "--out", out_dir_};
        args.insert(args.end(), options.begin(), options.end());
        std::string err_file = dir_ + "/watch.err";
        watch_ = fork();
        if (watch_ == 0) {
            int err = open(err_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            dup2(err, 2);
            std::vector<char*> argv;
            for (std::string& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            execv(argv[0], argv.data());
            _exit(127);
        }
        // Started once its start record is written (what an earlier session left is rotated away).
        for (int i = 0; i < 200 && read_text(out_dir_ + "/events.jsonl").find("\"start\"") == std::string::npos; ++i)
            std::this_thread::sleep_for(50ms);
        ASSERT_NE(read_text(out_dir_ + "/events.jsonl").find("\"start\""), std::string::npos) << watch_err();
    }
    // SIGINT, as Ctrl-C or systemd's stop would; the watch's exit status.
    int stop_watch() {
        if (watch_ <= 0) return -1;
        ::kill(watch_, SIGINT);
        int status = 0;
        waitpid(watch_, &status, 0);
        watch_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    // A client in the observed cgroup, with the test resolver.
    CommandResult client(const std::string& command) {
        return sh(hosts_->with_resolver("echo $$ > " + cg_ + "/cgroup.procs && " + command));
    }
    std::string watch_err() const { return read_text(dir_ + "/watch.err"); }
    std::vector<std::string> alerts_in_err() const {
        std::vector<std::string> out;
        for (const auto& line : lines_of(watch_err()))
            if (line.rfind("egresswatch: alert: ", 0) == 0) out.push_back(line);
        return out;
    }
    // Waits until `path` holds `text` (written by the watch every --write-interval).
    bool wait_for_text(const std::string& path, const std::string& text) {
        for (int i = 0; i < 100; ++i) {
            if (read_text(path).find(text) != std::string::npos) return true;
            std::this_thread::sleep_for(100ms);
        }
        return false;
    }

    std::string cg_name_, cg_, out_dir_;
    pid_t watch_ = -1;
};

const std::string kCurl = "curl -4 -sS -m 5 -o /dev/null ";

}  // namespace

TEST_F(Service, ResultsWhileRunningSighupReloadsAndARestartDoesNotAlertAgain) {
    std::string dns = "  - addresses: [" + hosts_->dns_server() + "]\n    port: 53\n    proto: udp\n";
    std::string baseline =
        file("baseline.yaml", "version: 1\nscope: nonlocal\ndestinations:\n  - host: mirror.test\n    port: 80\n"
                              "    proto: tcp\n" +
                                  dns);
    start_watch({"--baseline", baseline, "--write-interval", "1s"});
    ASSERT_FALSE(HasFatalFailure());
    EXPECT_EQ(client(kCurl + "http://mirror.test/ && " + kCurl + "http://api.test/").exit_code, 0);

    // Written while the watch runs: the report, the allowlist, what was alerted on.
    EXPECT_TRUE(wait_for_text(out_dir_ + "/alert-state.json", "\"api.test\""))
        << read_text(out_dir_ + "/alert-state.json");
    EXPECT_TRUE(wait_for_text(out_dir_ + "/allowlist.yaml", "api.test"));
    EXPECT_TRUE(wait_for_text(out_dir_ + "/report.json", "api.test"));
    EXPECT_EQ(alerts_in_err().size(), 1u) << watch_err();

    // logrotate's way: the file moved away, then SIGHUP. And a baseline that now allows
    // secure.test, read again at the same signal.
    ASSERT_EQ(std::rename((out_dir_ + "/events.jsonl").c_str(), (out_dir_ + "/events.jsonl.1").c_str()), 0);
    std::ofstream(baseline) << "version: 1\nscope: nonlocal\ndestinations:\n  - host: mirror.test\n    port: 80\n"
                               "    proto: tcp\n  - host: secure.test\n    port: 80\n    proto: tcp\n"
                            << dns;
    ::kill(watch_, SIGHUP);
    EXPECT_TRUE(wait_for_text(dir_ + "/watch.err", "read the baseline")) << watch_err();
    EXPECT_EQ(client(kCurl + "http://secure.test/").exit_code, 0);
    EXPECT_TRUE(wait_for_text(out_dir_ + "/events.jsonl", "secure.test")) << "the events go to the new file";
    EXPECT_EQ(read_text(out_dir_ + "/events.jsonl.1").find("secure.test"), std::string::npos);
    EXPECT_EQ(alerts_in_err().size(), 1u) << "secure.test is allowed now: " << watch_err();
    EXPECT_EQ(stop_watch(), 0) << watch_err();

    // A restart: api.test was alerted on before and is not again; www.mirror.test is new.
    start_watch({"--baseline", baseline, "--write-interval", "1s"});
    ASSERT_FALSE(HasFatalFailure());
    EXPECT_NE(watch_err().find("1 destinations already alerted on"), std::string::npos) << watch_err();
    EXPECT_EQ(client(kCurl + "http://api.test/ && " + kCurl + "http://www.mirror.test/").exit_code, 0);
    EXPECT_TRUE(wait_for_text(out_dir_ + "/alert-state.json", "www.mirror.test"));
    EXPECT_EQ(stop_watch(), 0) << watch_err();
    auto alerts = alerts_in_err();
    ASSERT_EQ(alerts.size(), 2u) << watch_err();
    EXPECT_NE(alerts[1].find("new destination www.mirror.test:80/tcp"), std::string::npos) << alerts[1];
}

// A connect storm with rotation on: a bounded number of gzip segments, each whole JSON lines,
// and the live file; nothing else grows.
TEST_F(Service, AStormIsRotatedIntoABoundedNumberOfSegments) {
    start_watch({"--every-connect", "--rotate-size", "32K", "--keep-segments", "3"});
    ASSERT_FALSE(HasFatalFailure());
    auto storm =
        client("/bin/bash -c 'for i in $(seq 300); do exec 3<>/dev/tcp/" + hosts_->v4() + "/80; exec 3<&-; done'");
    EXPECT_EQ(storm.exit_code, 0) << storm.err;
    EXPECT_EQ(stop_watch(), 0) << watch_err();
    std::vector<std::string> segments;
    for (const auto& entry : fs::directory_iterator(out_dir_)) {
        std::string name = entry.path().filename().string();
        if (name.rfind("events-", 0) == 0) segments.push_back(name);
    }
    std::sort(segments.begin(), segments.end());
    ASSERT_EQ(segments.size(), 3u) << "300 connect lines are more than 4 files of 32 KiB";
    std::size_t connects = 0;
    for (const std::string& name : segments) {
        ASSERT_TRUE(name.ends_with(".jsonl.gz")) << name;
        std::string text = gunzip(out_dir_ + "/" + name);
        EXPECT_LE(text.size(), 32u << 10) << name;
        for (const std::string& line : lines_of(text)) {
            json j = json::parse(line, nullptr, false);
            ASSERT_FALSE(j.is_discarded()) << name << ": " << line;
            connects += j.value("type", "") == "connect";
        }
    }
    EXPECT_GT(connects, 100u);
    auto live = read_events(out_dir_);
    ASSERT_FALSE(live.empty());
    EXPECT_EQ(live.back()["type"], "stop");
}
