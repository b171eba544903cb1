// Baseline alerts without a kernel: which connections alert and how often, the alert's JSON,
// line and report section, run's exit code, the delivery methods against loopback, and a
// baseline with a mistake stopping `run` before the command starts.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "alerts/alert_exec.h"
#include "alerts/alert_webhook.h"
#include "alerts/alert_worker.h"
#include "alerts/baseline_alerter.h"
#include "alerts/exit_code.h"
#include "allowlist/allowlist_loader.h"
#include "cli/options.h"
#include "common/subprocess.h"
#include "golden.h"
#include "report/aggregator.h"
#include "report/jsonl.h"
#include "report/report.h"
#include "report_text.h"

using namespace egresswatch;
namespace fs = std::filesystem;

namespace {

constexpr const char* kBaseline = R"(version: 1
scope: nonlocal
destinations:
  - host: mirror.test
    addresses: [198.19.4.2]
    port: 80
    proto: tcp
  - addresses: [198.19.4.53]
    port: 53
    proto: udp
)";

ConnectionRecord connection(const std::string& address, std::uint16_t port, std::optional<std::string> host,
                            std::uint8_t protocol = 6, std::uint32_t pid = 123) {
    ConnectionRecord r;
    r.ts_ns = 1'790'000'000'000'000'000 + pid;
    r.protocol = protocol;
    r.address = *IpAddress::parse(address);
    r.port = port;
    r.cookie = 77;
    r.host = host;
    if (host) r.host_source = "http-host";
    r.process.pid = pid;
    r.process.tid = pid;
    r.process.comm = "curl";
    r.process.exe = "/usr/bin/curl";
    r.process.argv = {"curl", "http://api.test/"};
    r.process.cgroup = "/egresswatch-run-1";
    r.process.ancestry = {{100, "sh", "/bin/sh"}, {99, "bash", "/usr/bin/bash"}};
    return r;
}

struct Collect : RecordSink {
    std::vector<AlertRecord> alerts;
    void on_alert(const AlertRecord& a) override { alerts.push_back(a); }
};

AlertRecord sample_alert() {
    AlertRecord a;
    a.connection = connection("198.19.4.2", 443, "api.test");
    a.ts_ns = a.connection.ts_ns;
    a.baseline = "allowlist.yaml";
    return a;
}

}  // namespace

TEST(BaselineAlerter, AlertsOncePerDestinationNotInTheBaseline) {
    Collect out;
    BaselineAlerter alerter(parse_allowlist(kBaseline, "base.yaml"), "base.yaml");
    alerter.pass_to(out);
    alerter.on_connection(connection("198.19.4.2", 80, "mirror.test"));         // allowed by name
    alerter.on_connection(connection("198.19.4.2", 80, std::nullopt));          // by recorded address
    alerter.on_connection(connection("198.19.4.53", 53, std::nullopt, 17));     // address entry
    alerter.on_connection(connection("198.19.4.2", 443, "api.test"));           // new
    alerter.on_connection(connection("198.19.4.9", 443, "API.test.", 6, 200));  // same name, other process
    alerter.on_connection(connection("198.19.4.9", 22, std::nullopt));          // new, by address
    alerter.on_connection(connection("198.19.4.9", 22, std::nullopt, 17));      // another protocol
    alerter.on_connection(connection("198.19.4.2", 80, "other.test"));   // a name mirror.test's address does not cover
    alerter.on_connection(connection("127.0.0.1", 8080, std::nullopt));  // outside the baseline's scope
    ASSERT_EQ(out.alerts.size(), 4u);
    EXPECT_EQ(alert_destination(out.alerts[0].connection), "api.test:443/tcp");
    EXPECT_EQ(out.alerts[0].baseline, "base.yaml");
    EXPECT_EQ(out.alerts[0].reason, "not in baseline");
    EXPECT_EQ(alert_destination(out.alerts[1].connection), "198.19.4.9:22/tcp");
    EXPECT_EQ(alert_destination(out.alerts[2].connection), "198.19.4.9:22/udp");
    EXPECT_EQ(alert_destination(out.alerts[3].connection), "other.test:80/tcp");
    EXPECT_EQ(alerter.alerts(), 4u);
}

TEST(BaselineAlerter, AnEntryNamingImagesAlertsForAnyOtherWorkload) {
    Collect out;
    BaselineAlerter alerter(parse_allowlist("version: 1\ndestinations:\n  - host: registry.test\n    port: 443\n"
                                            "    proto: tcp\n    images: [localhost/builder]\n",
                                            "b.yaml"),
                            "b.yaml");
    alerter.pass_to(out);
    auto from = [](std::optional<std::string> image, std::uint32_t pid) {
        ConnectionRecord r = connection("198.19.4.7", 443, "registry.test", 6, pid);
        if (image) r.process.container = ContainerInfo{std::string(64, 'c'), "job", *image, Runtime::podman, {}};
        return r;
    };
    alerter.on_connection(from("localhost/builder:latest", 1));
    EXPECT_TRUE(out.alerts.empty()) << "the image the entry names";
    alerter.on_connection(from(std::nullopt, 2));
    ASSERT_EQ(out.alerts.size(), 1u) << "outside any container, which the entry does not list";
    EXPECT_EQ(out.alerts[0].connection.process.pid, 2u);
    EXPECT_EQ(alert_text(out.alerts[0]).find("in container"), std::string::npos);

    BaselineAlerter other(parse_allowlist("version: 1\ndestinations:\n  - host: registry.test\n    port: 443\n"
                                          "    proto: tcp\n    images: [localhost/builder]\n",
                                          "b.yaml"),
                          "b.yaml");
    Collect out2;
    other.pass_to(out2);
    other.on_connection(from("docker.io/library/alpine:3", 3));
    ASSERT_EQ(out2.alerts.size(), 1u);
    EXPECT_EQ(alert_text(out2.alerts[0]),
              "new destination registry.test:443/tcp (198.19.4.7) by /usr/bin/curl [pid 3, started by /bin/sh <- "
              "/usr/bin/bash] in container job "
              "(docker.io/library/alpine:3)");
}

TEST(BaselineAlerter, ScopeAllBaselineAlertsOnLoopbackToo) {
    Collect out;
    BaselineAlerter alerter(parse_allowlist("version: 1\nscope: all\ndestinations: []\n", "b.yaml"), "b.yaml");
    alerter.pass_to(out);
    alerter.on_connection(connection("127.0.0.1", 8080, std::nullopt));
    alerter.on_connection(connection("::1", 8080, std::nullopt));
    ASSERT_EQ(out.alerts.size(), 2u);
    EXPECT_EQ(alert_destination(out.alerts[1].connection), "[::1]:8080/tcp");
}

TEST(BaselineAlerter, BlockedAttemptsDoNotAlertUnverifiedOnesDo) {
    Collect out;
    BaselineAlerter alerter(parse_allowlist(kBaseline, "base.yaml"), "base.yaml");
    alerter.pass_to(out);
    ConnectionRecord refused = connection("198.19.4.9", 443, "evil.test");
    refused.verdict = Verdict::blocked;
    alerter.on_connection(refused);
    EXPECT_TRUE(out.alerts.empty()) << "a refused attempt reached nothing and is reported as blocked";
    ConnectionRecord unchecked = connection("198.19.4.9", 443, "evil.test");
    unchecked.verdict = Verdict::unverified;
    alerter.on_connection(unchecked);
    ASSERT_EQ(out.alerts.size(), 1u);
    EXPECT_EQ(alert_destination(out.alerts[0].connection), "evil.test:443/tcp");
}

TEST(Alert, LineNamesDestinationAddressProcessAndAncestry) {
    EXPECT_EQ(alert_text(sample_alert()),
              "new destination api.test:443/tcp (198.19.4.2) by /usr/bin/curl [pid 123, started by /bin/sh <- "
              "/usr/bin/bash]");
    AlertRecord bare = sample_alert();
    bare.connection.host.reset();
    bare.connection.process.ancestry.clear();
    EXPECT_EQ(alert_text(bare), "new destination 198.19.4.2:443/tcp by /usr/bin/curl [pid 123]");
}

TEST(Alert, JsonLineIsGoldenAndReadsBack) {
    Json j = to_json(sample_alert());
    test::expect_fixture("golden/alert.jsonl", j.dump() + "\n");

    std::istringstream in(j.dump() + "\n");
    Aggregator agg;
    ReplayResult r = replay_jsonl(in, agg);
    EXPECT_EQ(r.first_bad_line, 0u) << r.error;
    EXPECT_EQ(r.skipped, 0u);
    ASSERT_EQ(agg.alerts().size(), 1u);
    EXPECT_EQ(to_json(agg.alerts().front()), j);
}

TEST(Alert, ReportAndSummaryHaveAnAlertsSectionOnlyWithABaseline) {
    Aggregator without;
    EXPECT_FALSE(test::report_of(without, {}).contains("alerts"));
    EXPECT_EQ(test::summary_text(without, ScopeFilter::all).find("Alerts"), std::string::npos);

    Aggregator none;
    SessionStart start;
    start.mode = "run";
    start.baseline = "base.yaml";
    none.on_start(start);
    EXPECT_EQ(test::report_of(none, {})["alerts"], Json::array());
    EXPECT_EQ(test::report_of(none, {})["summary"]["alerts"], 0);
    EXPECT_NE(test::summary_text(none, ScopeFilter::all).find("Alerts (new destinations, not in base.yaml):\n  none\n"),
              std::string::npos);

    Aggregator some;
    some.on_start(start);
    some.on_alert(sample_alert());
    Json report = test::report_of(some, {});
    EXPECT_EQ(report["session"]["baseline"], "base.yaml");
    ASSERT_EQ(report["alerts"].size(), 1u);
    test::expect_fixture("golden/alert_report.json", report["alerts"].dump(2) + "\n");
    EXPECT_NE(test::summary_text(some, ScopeFilter::all).find("  " + alert_text(sample_alert()) + "\n"),
              std::string::npos);
}

TEST(Alert, FailOnNewExitCodeOnlyWhenTheCommandSucceeded) {
    EXPECT_EQ(run_exit_code(0, 0, true), 0);
    EXPECT_EQ(run_exit_code(0, 2, true), kNewDestinationsExit);
    EXPECT_EQ(kNewDestinationsExit, 3);
    EXPECT_EQ(run_exit_code(0, 2, false), 0);
    EXPECT_EQ(run_exit_code(7, 2, true), 7);  // the command's own failure wins
    EXPECT_EQ(run_exit_code(130, 0, true), 130);
}

TEST(AlertOptions, BaselineIsNeededAndWebhooksAreHttpOrHttps) {
    auto code_of = [](std::vector<const char*> args) {
        args.insert(args.begin(), "egresswatch");
        try {
            parse_cli(static_cast<int>(args.size()), args.data());
        } catch (const CliExit& e) {
            return e.code;
        }
        return -1;
    };
    EXPECT_EQ(code_of({"run", "--fail-on-new", "--", "true"}), 2);
    EXPECT_EQ(code_of({"watch", "--alert-exec", "cat"}), 2);
    EXPECT_EQ(code_of({"watch", "--baseline", "b.yaml", "--alert-webhook", "ftp://hooks.test/x"}), 2);
    EXPECT_EQ(code_of({"watch", "--baseline", "b.yaml", "--alert-webhook-ca", "/etc/hostname"}), 2)
        << "--alert-webhook-ca needs --alert-webhook";
    EXPECT_EQ(code_of({"watch", "--baseline", "b.yaml", "--alert-webhook", "https://hooks.test/x", "--alert-webhook-ca",
                       "/nonexistent.pem"}),
              2);
    const char* https[] = {
        "egresswatch",        "watch",        "--baseline", "b.yaml", "--alert-webhook", "https://hooks.test/x",
        "--alert-webhook-ca", "/etc/hostname"};
    CliRequest h = parse_cli(8, https);
    ASSERT_TRUE(h.watch.alerts.webhook);
    EXPECT_TRUE(h.watch.alerts.webhook->https);
    EXPECT_EQ(h.watch.alerts.webhook->ca_file, "/etc/hostname");
    const char* ok[] = {"egresswatch",          "watch",        "--baseline", "b.yaml",        "--alert-webhook",
                        "http://127.0.0.1:9/x", "--alert-exec", "cat",        "--alert-syslog"};
    CliRequest r = parse_cli(9, ok);
    EXPECT_EQ(r.watch.alerts.baseline, "b.yaml");
    EXPECT_EQ(r.watch.alerts.exec_command, "cat");
    EXPECT_TRUE(r.watch.alerts.syslog);
    const char* run[] = {"egresswatch", "run", "--baseline", "b.yaml", "--fail-on-new", "--", "true"};
    CliRequest rr = parse_cli(7, run);
    EXPECT_TRUE(rr.run.alerts.fail_on_new);
}

TEST(AlertWebhook, Urls) {
    std::string error;
    auto u = parse_webhook_url("http://hooks.test:8080/egress/alert", error);
    ASSERT_TRUE(u) << error;
    EXPECT_EQ(u->host, "hooks.test");
    EXPECT_FALSE(u->https);
    auto v6 = parse_webhook_url("https://[fd00::1]/", error);
    ASSERT_TRUE(v6) << error;
    EXPECT_EQ(v6->host, "[fd00::1]");
    EXPECT_TRUE(v6->https);
    EXPECT_FALSE(parse_webhook_url("http://hooks.test:0/", error));
    EXPECT_NE(error.find("is not 1-65535"), std::string::npos) << error;
    EXPECT_FALSE(parse_webhook_url("http://hooks.test:70000/", error));
    EXPECT_FALSE(parse_webhook_url("ftp://hooks.test/", error));
    EXPECT_NE(error.find("http:// or https://"), std::string::npos) << error;
    EXPECT_FALSE(parse_webhook_url("http://user:pw@hooks.test/", error));
    EXPECT_FALSE(parse_webhook_url("not a url", error));
}

// A one-shot server on loopback that answers `status` and keeps what it was sent.
TEST(AlertWebhook, PostsAndReportsNon2xxAsFailure) {
    for (const std::string status : {"204 No Content", "500 Internal Server Error"}) {
        int listener = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
        socklen_t len = sizeof(addr);
        ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
        ::listen(listener, 1);
        std::string received;
        std::thread server([&] {
            int c = ::accept(listener, nullptr, nullptr);
            char buf[4096];
            ssize_t n;
            while (received.find("\r\n\r\n{\"a\":1}") == std::string::npos && (n = ::recv(c, buf, sizeof(buf), 0)) > 0)
                received.append(buf, static_cast<std::size_t>(n));
            std::string answer = "HTTP/1.1 " + status + "\r\nContent-Length: 0\r\n\r\n";
            ::send(c, answer.data(), answer.size(), 0);
            ::close(c);
        });
        std::string error;
        auto url = parse_webhook_url("http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/hook", error);
        auto result = post_webhook(*url, "{\"a\":1}", std::chrono::seconds(5));
        server.join();
        ::close(listener);
        EXPECT_EQ(received.rfind("POST /hook HTTP/1.1\r\n", 0), 0u) << received;
        EXPECT_NE(received.find("\r\nContent-Type: application/json\r\n"), std::string::npos) << received;
        if (status[0] == '2')
            EXPECT_FALSE(result) << *result;
        else
            EXPECT_EQ(result.value_or(""), "server answered 500 Internal Server Error");
    }
    std::string error;
    // Nothing listens on port 9 of loopback: refused at once.
    EXPECT_TRUE(post_webhook(*parse_webhook_url("http://127.0.0.1:9/", error), "{}", std::chrono::seconds(2)));
}

// https: a real TLS server (cpp-httplib's, on loopback) with a certificate made here; trusted
// through --alert-webhook-ca, refused without it.
TEST(AlertWebhook, PostsOverHttpsCheckingTheCertificate) {
    std::string dir = test::make_temp_dir("ew-webhook-tls-");
    auto made = test::run_command(
        {"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir + "/key.pem", "-out",
         dir + "/cert.pem", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"},
        std::chrono::seconds(60));
    ASSERT_EQ(made.exit_code, 0) << made.err;
    httplib::SSLServer server((dir + "/cert.pem").c_str(), (dir + "/key.pem").c_str());
    ASSERT_TRUE(server.is_valid());
    std::string received;
    server.Post("/hook", [&](const httplib::Request& req, httplib::Response& res) {
        received = req.body;
        res.status = 204;
    });
    int port = server.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port, 0);
    std::thread serving([&] { server.listen_after_bind(); });
    std::string error;
    auto url = parse_webhook_url("https://127.0.0.1:" + std::to_string(port) + "/hook", error);
    ASSERT_TRUE(url) << error;
    auto untrusted = post_webhook(*url, "{\"a\":1}", std::chrono::seconds(5));
    ASSERT_TRUE(untrusted) << "a certificate no CA signed is refused";
    EXPECT_NE(untrusted->find("certificate"), std::string::npos) << *untrusted;
    url->ca_file = dir + "/cert.pem";
    auto trusted = post_webhook(*url, "{\"a\":1}", std::chrono::seconds(5));
    EXPECT_FALSE(trusted) << *trusted;
    EXPECT_EQ(received, "{\"a\":1}");
    server.stop();
    serving.join();
    std::filesystem::remove_all(dir);
}

TEST(AlertExec, CommandGetsJsonOnStdinAndTheVariables) {
    std::string dir = test::make_temp_dir("ew-alert-exec-");
    AlertJob job{sample_alert(), to_json(sample_alert()).dump()};
    auto r = run_alert_command("cat > " + dir + "/in.json; env > " + dir + "/env", job);
    EXPECT_FALSE(r) << *r;
    EXPECT_EQ(test::read_text(dir + "/in.json"), job.json + "\n");
    std::string env = test::read_text(dir + "/env");
    for (const char* line :
         {"EGRESSWATCH_ALERT_DESTINATION=api.test:443/tcp", "EGRESSWATCH_ALERT_HOST=api.test",
          "EGRESSWATCH_ALERT_ADDRESS=198.19.4.2", "EGRESSWATCH_ALERT_PORT=443", "EGRESSWATCH_ALERT_PROTO=tcp",
          "EGRESSWATCH_ALERT_EXE=/usr/bin/curl", "EGRESSWATCH_ALERT_PID=123",
          "EGRESSWATCH_ALERT_REASON=not in baseline", "EGRESSWATCH_ALERT_BASELINE=allowlist.yaml"})
        EXPECT_NE(env.find(std::string(line) + "\n"), std::string::npos) << line << "\n" << env;
    EXPECT_EQ(run_alert_command("exit 4", job).value_or(""), "'exit 4' exited with 4");
    EXPECT_EQ(run_alert_command("sleep 5", job, std::chrono::milliseconds(200)).value_or(""),
              "'sleep 5' still running after 200ms; killed");
    fs::remove_all(dir);
}

TEST(AlertWorker, NeverBlocksAndCountsWhatItDropped) {
    std::mutex gate;
    gate.lock();  // the first delivery waits here until the queue has overflowed
    std::atomic<int> delivered{0};
    AlertWorker worker(
        "test",
        [&](const AlertJob&) -> std::optional<std::string> {
            std::lock_guard g(gate);
            ++delivered;
            return std::nullopt;
        },
        2);
    for (int i = 0; i < 10; ++i) worker.submit(AlertJob{sample_alert(), "{}"});
    gate.unlock();
    worker.stop(std::chrono::seconds(5));
    // One was taken off the queue before it filled, two waited in it; the rest were dropped.
    EXPECT_EQ(worker.delivered() + worker.dropped(), 10u);
    EXPECT_GE(worker.dropped(), 7u);
    EXPECT_EQ(worker.failed(), 0u);
    EXPECT_EQ(static_cast<std::size_t>(delivered.load()), worker.delivered());
}

TEST(AlertCli, MalformedBaselineStopsRunBeforeTheCommand) {
    std::string dir = test::make_temp_dir("ew-alert-cli-");
    std::string baseline = dir + "/base.yaml";
    std::ofstream(baseline) << "version: 1\ndestinations:\n  - host: a.test\n    port: 0\n    proto: tcp\n";
    auto r = test::run_command({EGRESSWATCH_BINARY, "run", "--out", dir + "/out", "--baseline", baseline, "--",
                                "/bin/sh", "-c", "touch " + dir + "/ran"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(r.err.rfind("egresswatch: " + baseline + ":4: port 0", 0), 0u) << r.err;
    EXPECT_FALSE(fs::exists(dir + "/ran"));
    EXPECT_FALSE(fs::exists(dir + "/out"));
    fs::remove_all(dir);
}
