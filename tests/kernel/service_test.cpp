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

#include "watch_run.h"

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

class Service : public WatchRun {};

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
