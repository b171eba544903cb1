// Baseline alerts end to end: `egresswatch run` records an allowlist, a second run with
// --baseline alerts on exactly the destination that is new, and `watch` delivers alerts to a
// command and to a webhook on loopback. Real programs, real curl, NamedTestHosts.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "named_hosts_run.h"

using namespace egresswatch::test;

namespace {

// Alerts on stderr, one line each, in the documented form.
std::vector<std::string> alert_lines(const std::string& err) {
    std::vector<std::string> out;
    for (const auto& line : lines_of(err))
        if (line.rfind("egresswatch: alert: ", 0) == 0) out.push_back(line);
    return out;
}

class Alerts : public NamedHostsRun {
protected:
    // `egresswatch run --quiet --out DIR OPTIONS -- sh -c COMMAND` with the test resolver.
    CommandResult run_with(const std::string& command, std::vector<std::string> options) {
        out_ = dir_ + "/out" + std::to_string(runs_++);
        std::vector<std::string> args{"run", "--quiet", "--out", out_};
        args.insert(args.end(), options.begin(), options.end());
        for (const char* a : {"--", "/bin/sh", "-c"}) args.push_back(a);
        args.push_back(hosts_->with_resolver(command));
        return run_egresswatch(args);
    }
};

const std::string kMirrorOnly = "curl -4 -sS -m 5 -o /dev/null http://mirror.test/";
const std::string kMirrorAndApi = kMirrorOnly + " && curl -4 -sS -m 5 -o /dev/null http://api.test/api/v1/status";

}  // namespace

TEST_F(Alerts, SecondRunAlertsOnExactlyTheNewDestination) {
    observe(kMirrorOnly);
    std::string baseline = out() + "/allowlist.yaml";
    ASSERT_TRUE(allowlist_names(read_text(baseline), NamedTestHosts::kMirror)) << read_text(baseline);

    // Without --fail-on-new: alerts, and the command's own exit status.
    auto r = run_with(kMirrorAndApi, {"--baseline", baseline});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto lines = alert_lines(r.err);
    ASSERT_EQ(lines.size(), 1u) << r.err;
    EXPECT_EQ(
        lines[0].rfind(
            "egresswatch: alert: new destination api.test:80/tcp (" + hosts_->v4() + ") by /usr/bin/curl [pid ", 0),
        0u)
        << lines[0];
    EXPECT_NE(lines[0].find("started by /bin/sh"), std::string::npos) << lines[0];

    auto events = read_events(out());
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.front()["baseline"], baseline);
    auto alerts = events_of_type(events, "alert");
    ASSERT_EQ(alerts.size(), 1u);
    const json& a = alerts[0];
    EXPECT_EQ(a["destination"], "api.test:80/tcp");
    EXPECT_EQ(a["host"], "api.test");
    EXPECT_EQ(a["daddr"], hosts_->v4());
    EXPECT_EQ(a["dport"], 80);
    EXPECT_EQ(a["proto"], "tcp");
    EXPECT_EQ(a["exe"], "/usr/bin/curl");
    EXPECT_EQ(a["reason"], "not in baseline");
    EXPECT_EQ(a["baseline"], baseline);
    ASSERT_FALSE(a["ancestry"].empty()) << a.dump();
    EXPECT_EQ(a["ancestry"][0]["exe"], "/bin/sh") << a.dump();

    json rep = report();
    EXPECT_EQ(rep["summary"]["alerts"], 1);
    ASSERT_EQ(rep["alerts"].size(), 1u) << rep["alerts"].dump();
    EXPECT_EQ(rep["alerts"][0]["destination"], "api.test:80/tcp");

    // With --fail-on-new: the documented exit code, the same single alert.
    auto failing = run_with(kMirrorAndApi, {"--baseline", baseline, "--fail-on-new"});
    EXPECT_EQ(failing.exit_code, 3) << failing.err;
    EXPECT_EQ(alert_lines(failing.err).size(), 1u) << failing.err;
    EXPECT_NE(failing.err.find("exiting 3 (--fail-on-new)"), std::string::npos) << failing.err;

    // Nothing new: no alert and exit 0 even with --fail-on-new.
    auto same = run_with(kMirrorOnly, {"--baseline", baseline, "--fail-on-new"});
    EXPECT_EQ(same.exit_code, 0) << same.err;
    EXPECT_TRUE(alert_lines(same.err).empty()) << same.err;
    json quiet = report();
    EXPECT_EQ(quiet["summary"]["alerts"], 0);
    EXPECT_EQ(quiet["alerts"], json::array());

    // The command's own failure wins over --fail-on-new.
    auto failed = run_with(kMirrorAndApi + " && exit 5", {"--baseline", baseline, "--fail-on-new"});
    EXPECT_EQ(failed.exit_code, 5) << failed.err;
    EXPECT_EQ(alert_lines(failed.err).size(), 1u) << failed.err;
}

TEST_F(Alerts, WatchDeliversToCommandAndWebhook) {
    std::string baseline = file("baseline.yaml", "version: 1\nscope: nonlocal\ndestinations:\n  - host: mirror.test\n"
                                                 "    port: 80\n    proto: tcp\n  - addresses: [" +
                                                     hosts_->dns_server() + "]\n    port: 53\n    proto: udp\n");
    std::string bodies = dir_ + "/webhook-bodies", portfile = dir_ + "/webhook-port";
    auto server = sh("/usr/bin/python3 " + shell_quote(std::string(TESTPROGS_DIR) + "/post_sink.py") + " " +
                     shell_quote(portfile) + " " + shell_quote(bodies) + " 60 >/dev/null 2>&1 & echo $!");
    ASSERT_EQ(server.exit_code, 0) << server.err;
    pid_t server_pid = std::stoi(server.out);
    for (int i = 0; i < 100 && !fs::exists(portfile); ++i) usleep(50 * 1000);
    ASSERT_TRUE(fs::exists(portfile)) << "webhook test server did not start";
    std::string port = read_text(portfile);

    std::string mount = cgroup2_mount_for_tests();
    std::string cg_name = "ewtest-alerts-" + std::to_string(getpid());
    std::string cg = mount + "/" + cg_name;
    ASSERT_EQ(mkdir(cg.c_str(), 0755), 0);
    std::string out_dir = dir_ + "/watch", exec_file = dir_ + "/exec-alerts", err_file = dir_ + "/watch.err";
    std::string exec_cmd = "{ cat; echo \"$EGRESSWATCH_ALERT_DESTINATION $EGRESSWATCH_ALERT_EXE\"; } >> " + exec_file;

    pid_t watcher = fork();
    if (watcher == 0) {
        int err = open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(err, 2);
        execl(EGRESSWATCH_BINARY, "egresswatch", "watch", "--quiet", "--cgroup", ("/" + cg_name).c_str(), "--duration",
              "6s", "--out", out_dir.c_str(), "--baseline", baseline.c_str(), "--alert-exec", exec_cmd.c_str(),
              "--alert-webhook", ("http://127.0.0.1:" + port + "/hook").c_str(), "--alert-syslog",
              static_cast<char*>(nullptr));
        _exit(127);
    }
    for (int i = 0; i < 100 && read_text(out_dir + "/events.jsonl").find("\"start\"") == std::string::npos; ++i)
        usleep(50 * 1000);
    // Twice to api.test: still one alert.
    auto client = sh(hosts_->with_resolver("echo $$ > " + cg + "/cgroup.procs && " + kMirrorAndApi + " && " +
                                           "curl -4 -sS -m 5 -o /dev/null http://api.test/again"));
    EXPECT_EQ(client.exit_code, 0) << client.err;
    int status = 0;
    waitpid(watcher, &status, 0);
    rmdir(cg.c_str());
    ::kill(server_pid, SIGTERM);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << read_text(err_file);

    std::string err = read_text(err_file);
    auto lines = alert_lines(err);
    ASSERT_EQ(lines.size(), 1u) << err;
    EXPECT_NE(lines[0].find("new destination api.test:80/tcp"), std::string::npos) << lines[0];
    EXPECT_EQ(err.find("not delivered"), std::string::npos) << err;

    // --alert-exec: the JSON on stdin, then the variables.
    auto exec_lines = lines_of(read_text(exec_file));
    ASSERT_EQ(exec_lines.size(), 2u) << read_text(exec_file);
    json from_exec = json::parse(exec_lines[0]);
    EXPECT_EQ(from_exec["type"], "alert");
    EXPECT_EQ(from_exec["destination"], "api.test:80/tcp");
    EXPECT_EQ(exec_lines[1], "api.test:80/tcp /usr/bin/curl");

    // --alert-webhook: the same JSON, POSTed once.
    auto posted = lines_of(read_text(bodies));
    ASSERT_EQ(posted.size(), 1u) << read_text(bodies);
    EXPECT_EQ(json::parse(posted[0]), from_exec);

    auto alerts = events_of_type(read_events(out_dir), "alert");
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0], from_exec);
}
