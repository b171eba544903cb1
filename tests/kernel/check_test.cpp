// `egresswatch check` against real servers: NamedTestHosts' dnsmasq, HTTP on 80 and HTTPS on
// 443 with a self-signed certificate, in a network namespace this test creates. The real
// binary runs with the test resolver (with_resolver) on an allowlist the test writes; each
// test checks the exit code (the Nagios convention) and what the status line says.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "kernel_env.h"
#include "named_hosts.h"

using namespace egresswatch::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct Entry {
    std::string host;  // empty: address-only
    std::vector<std::string> addresses;
    int port = 0;
    std::string proto = "tcp";
};

// An allowlist in the format `egresswatch run` writes.
std::string allowlist_yaml(const std::vector<Entry>& entries) {
    std::string out = "version: 1\ngenerated: 2026-01-01T00:00:00.000000Z\nscope: nonlocal\ndestinations:\n";
    for (const auto& e : entries) {
        out += "  - ";
        if (!e.host.empty()) out += "host: " + e.host + "\n    ";
        out += "addresses:\n";
        for (const auto& a : e.addresses) out += "      - " + a + "\n";
        out += "    port: " + std::to_string(e.port) + "\n    proto: " + e.proto + "\n    scope: benchmark\n";
        out += "    processes:\n      - /usr/bin/curl\n";
    }
    return out;
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

class Check : public ::testing::Test {
protected:
    void SetUp() override {
        EW_REQUIRE_NAMED_HOSTS();
        hosts_ = std::make_unique<NamedTestHosts>();
        ASSERT_TRUE(hosts_->ready()) << hosts_->error();
        dir_ = make_temp_dir("ew-check-test-");
    }
    void TearDown() override {
        if (!silent_route_.empty()) run_command({"/usr/sbin/ip", "route", "del", silent_route_});
        hosts_.reset();
        if (!dir_.empty()) fs::remove_all(dir_);
    }

    std::string write_allowlist(const std::vector<Entry>& entries) {
        std::string path = dir_ + "/allowlist" + std::to_string(files_++) + ".yaml";
        std::ofstream(path) << allowlist_yaml(entries);
        return path;
    }

    // `egresswatch check ARGS`, resolving through the test hosts' dnsmasq.
    CommandResult check(const std::vector<std::string>& args) {
        std::string command = shell_quote(EGRESSWATCH_BINARY) + " check";
        for (const auto& a : args) command += " " + shell_quote(a);
        auto started = std::chrono::steady_clock::now();
        CommandResult r = sh(hosts_->with_resolver(command), std::chrono::seconds(60));
        elapsed_ = std::chrono::steady_clock::now() - started;
        return r;
    }

    // An address routed to the test namespace where nothing answers, not even with an error:
    // the namespace does not forward, and a blackhole route there drops the packets, so a
    // connect to it can only time out. Traffic never leaves the test's own network.
    std::string silent_address() {
        std::string address = hosts_->v4().substr(0, hosts_->v4().rfind('.')) + ".99";
        auto in_ns = run_command({"/usr/sbin/ip", "-n", hosts_->netns(), "route", "add", "blackhole", address + "/32"});
        EXPECT_EQ(in_ns.exit_code, 0) << in_ns.err;
        auto here = run_command({"/usr/sbin/ip", "route", "add", address + "/32", "via", hosts_->v4()});
        EXPECT_EQ(here.exit_code, 0) << here.err;
        if (here.exit_code == 0) silent_route_ = address + "/32";
        return address;
    }

    std::unique_ptr<NamedTestHosts> hosts_;
    std::string dir_, silent_route_;
    int files_ = 0;
    std::chrono::steady_clock::duration elapsed_{};
};

}  // namespace

TEST_F(Check, ReachableHostsAreOk) {
    std::string allowlist = write_allowlist({
        {NamedTestHosts::kSecure, {hosts_->v4(), hosts_->v6()}, NamedTestHosts::kHttpsPort},
        {NamedTestHosts::kMirror, {hosts_->v4()}, NamedTestHosts::kHttpPort},
        {"", {hosts_->v4()}, NamedTestHosts::kHttpPort},
        {NamedTestHosts::kApi, {hosts_->v4()}, 123, "udp"},
    });
    auto r = check({"--ca-file", hosts_->cert_path(), "--warn-days", "1", "--timeout", "5s", allowlist});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(first_line(r.out).rfind("EGRESS OK - 3 destinations reachable, 1 not actively checked (udp) | "
                                      "reachable=3;;;0;4 failed=0;;;0;4 warning=0;;;0;4 unchecked=1;;;0;4 time=",
                                      0),
              0u)
        << r.out;
    EXPECT_NE(r.out.find("OK secure.test:443/tcp - reached "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("OK api.test:123/udp - udp not actively checked"), std::string::npos) << r.out;

    // The HTTPS server saw the probe: SNI and Host are the allowlist's name.
    std::string web_log = read_text(hosts_->web_log_path());
    EXPECT_NE(web_log.find(" secure.test HEAD secure.test / "), std::string::npos) << web_log;
    EXPECT_NE(web_log.find(" - HEAD mirror.test / "), std::string::npos) << web_log;

    // --json: every step, in order, with what it found.
    auto j = check({"--json", "--ca-file", hosts_->cert_path(), "--warn-days", "1", allowlist});
    EXPECT_EQ(j.exit_code, 0) << j.out << j.err;
    json doc = json::parse(j.out);
    EXPECT_EQ(doc["status"], "OK");
    EXPECT_EQ(doc["exit_code"], 0);
    EXPECT_EQ(doc["counts"]["reachable"], 3);
    const json& secure = doc["destinations"][0];
    EXPECT_EQ(secure["destination"], "secure.test:443/tcp");
    EXPECT_EQ(secure["outcome"], "reachable");
    // Both addresses, in the order the resolver prefers (gai.conf), which is not ours to fix.
    auto resolved = secure["resolved"].get<std::vector<std::string>>();
    std::sort(resolved.begin(), resolved.end());
    EXPECT_EQ(resolved, (std::vector<std::string>{hosts_->v4(), hosts_->v6()})) << secure.dump();
    ASSERT_EQ(secure["steps"].size(), 4u) << secure.dump();
    for (const auto& step : secure["steps"]) EXPECT_EQ(step["result"], "ok") << secure.dump();
    EXPECT_EQ(secure["steps"][3]["detail"].get<std::string>().rfind("HTTP/1.1 ", 0), 0u) << secure.dump();
    // The test certificate was made for 2 days, within the last few seconds (whole seconds).
    EXPECT_TRUE(secure["cert_days_left"] == 1 || secure["cert_days_left"] == 2) << secure.dump();
    const json& udp = doc["destinations"][3];
    EXPECT_EQ(udp["outcome"], "unchecked");
    EXPECT_EQ(udp["steps"], json::parse(R"([{"step":"dns","result":"ok","time_ms":)" +
                                        udp["steps"][0]["time_ms"].dump() + R"(,"detail":")" + hosts_->v4() + "\"}]"));
}

TEST_F(Check, CertificateExpiringSoonIsWarning) {
    std::string allowlist = write_allowlist({{NamedTestHosts::kSecure, {hosts_->v4()}, NamedTestHosts::kHttpsPort}});
    auto r = check({"--ca-file", hosts_->cert_path(), allowlist});  // --warn-days 14 by default
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_EQ(first_line(r.out).rfind("EGRESS WARNING - 1 destination reachable, 1 with warnings: secure.test:443/tcp "
                                      "(tls: certificate expires in ",
                                      0),
              0u)
        << r.out;
    EXPECT_NE(first_line(r.out).find(" (--warn-days 14)) | reachable=1;;;0;1 failed=0;;;0;1 warning=1;;;0;1 "),
              std::string::npos)
        << r.out;
}

TEST_F(Check, RefusedPortIsCritical) {
    std::string allowlist = write_allowlist({
        {NamedTestHosts::kMirror, {hosts_->v4()}, NamedTestHosts::kHttpPort},
        {"", {hosts_->v4()}, 8081},
    });
    auto r = check({"--timeout", "5s", allowlist});
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_EQ(first_line(r.out).rfind("EGRESS CRITICAL - 1 of 2 destinations failed: " + hosts_->v4() +
                                          ":8081/tcp (tcp: " + hosts_->v4() + ": connection refused) | ",
                                      0),
              0u)
        << r.out;
    // Failures come first among the detail lines.
    EXPECT_LT(r.out.find("\nCRITICAL " + hosts_->v4() + ":8081/tcp"), r.out.find("\nOK mirror.test:80/tcp")) << r.out;
}

TEST_F(Check, SilentAddressTimesOutWithinTheBudget) {
    std::string silent = silent_address();
    std::string allowlist = write_allowlist({
        {"", {silent}, NamedTestHosts::kHttpsPort},
        {"", {silent}, 22},
        {"", {silent}, NamedTestHosts::kHttpPort},
    });
    auto r = check({"--timeout", "1s", "--parallel", "3", allowlist});
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_EQ(first_line(r.out).rfind("EGRESS CRITICAL - 3 of 3 destinations failed: " + silent +
                                          ":443/tcp (tcp: " + silent + ": timed out (--timeout 1s)), ",
                                      0),
              0u)
        << r.out;
    // Three checks of 1 s each at once: about 1 s in all, not 3 (the resolver's set-up aside).
    EXPECT_LT(elapsed_, std::chrono::milliseconds(2500)) << r.out;
}

TEST_F(Check, StepsThatFinishedAfterTheBudgetAreTimeouts) {
    // A 1 ms budget. On the test's veth a connect can finish without waiting, so no wait
    // notices the deadline; every step reported ok must still have ended within the budget,
    // the step that crossed it fails as a timeout, and none after it runs.
    std::string allowlist = write_allowlist({
        {NamedTestHosts::kSecure, {hosts_->v4()}, NamedTestHosts::kHttpsPort},
        {"", {hosts_->v4()}, NamedTestHosts::kHttpPort},
    });
    auto r = check({"--json", "--ca-file", hosts_->cert_path(), "--warn-days", "1", "--timeout", "1ms", allowlist});
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    json doc = json::parse(r.out);
    for (const json& d : doc["destinations"]) {
        double elapsed_ms = 0;
        bool failed = false;
        for (const json& step : d["steps"]) {
            std::string result = step["result"];
            if (result == "not_run") continue;
            EXPECT_FALSE(failed) << "a step ran after the budget ran out: " << d.dump();
            elapsed_ms += step["time_ms"].get<double>();
            if (result == "failed") {
                failed = true;
                EXPECT_EQ(step["detail"], "timed out (--timeout 1ms)") << d.dump();
            } else {
                EXPECT_LE(elapsed_ms, 1.0) << "a step that ended after the budget passed: " << d.dump();
            }
        }
    }
    // The named HTTPS destination (a DNS lookup and a TLS handshake) cannot fit in 1 ms; the
    // plain HTTP one on the veth sometimes does, and is then rightly ok.
    EXPECT_EQ(doc["destinations"][0]["outcome"], "failed") << doc["destinations"][0].dump();
}

TEST_F(Check, UntrustedCertificateIsCritical) {
    std::string allowlist = write_allowlist({{NamedTestHosts::kSecure, {hosts_->v4()}, NamedTestHosts::kHttpsPort}});
    auto r = check({"--timeout", "5s", allowlist});  // no --ca-file: the self-signed certificate is not trusted
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_EQ(first_line(r.out).rfind("EGRESS CRITICAL - 1 of 1 destination failed: secure.test:443/tcp (tls: "
                                      "certificate verify failed: self-signed certificate) | ",
                                      0),
              0u)
        << r.out;
    // The HTTP step never ran: nothing is sent to a server that could not prove who it is.
    EXPECT_EQ(read_text(hosts_->web_log_path()).find("HEAD"), std::string::npos);
}

TEST_F(Check, CertificateForAnotherNameIsCritical) {
    // Trusted, but issued for the three names, not for the bare address.
    std::string allowlist = write_allowlist({{"", {hosts_->v4()}, NamedTestHosts::kHttpsPort}});
    auto r = check({"--ca-file", hosts_->cert_path(), allowlist});
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(first_line(r.out).find("(tls: certificate verify failed: IP address mismatch)"), std::string::npos)
        << r.out;
}

TEST_F(Check, UnresolvableHostIsCritical) {
    std::string allowlist = write_allowlist({{"gone.test", {hosts_->v4()}, NamedTestHosts::kHttpsPort}});
    auto r = check({allowlist});
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_EQ(first_line(r.out).rfind("EGRESS CRITICAL - 1 of 1 destination failed: gone.test:443/tcp (dns: cannot "
                                      "resolve gone.test: ",
                                      0),
              0u)
        << r.out;
}

// These need neither root nor the test hosts, but belong with the rest of the command's
// exit codes.
TEST(CheckInput, UnreadableOrMalformedAllowlistIsUnknown) {
    std::string dir = make_temp_dir("ew-check-input-");
    std::string malformed = dir + "/malformed.yaml";
    std::ofstream(malformed) << "version: 1\ndestinations:\n  - host: a.test\n    port: seventy\n    proto: tcp\n";
    std::string not_yaml = dir + "/not.yaml";
    std::ofstream(not_yaml) << "destinations: [unclosed\n";

    auto missing = run_egresswatch({"check", dir + "/missing.yaml"});
    EXPECT_EQ(missing.exit_code, 3) << missing.out << missing.err;
    EXPECT_EQ(missing.out, "EGRESS UNKNOWN - cannot read " + dir + "/missing.yaml: no such file or not readable\n");

    auto bad = run_egresswatch({"check", malformed});
    EXPECT_EQ(bad.exit_code, 3) << bad.out << bad.err;
    EXPECT_EQ(bad.out,
              "EGRESS UNKNOWN - " + malformed + ":4: port 'seventy' is not a number or a range like \"8000-8100\"\n");

    auto garbage = run_egresswatch({"check", "--json", not_yaml});
    EXPECT_EQ(garbage.exit_code, 3) << garbage.out << garbage.err;
    json doc = json::parse(garbage.out);
    EXPECT_EQ(doc["status"], "UNKNOWN");
    EXPECT_EQ(doc["summary"].get<std::string>().rfind(not_yaml + ":2: not valid YAML: ", 0), 0u) << doc.dump();

    auto usage = run_egresswatch({"check", "--timeout", "never", malformed});
    EXPECT_EQ(usage.exit_code, 3) << usage.out << usage.err;
    EXPECT_EQ(usage.out.rfind("EGRESS UNKNOWN - --timeout: ", 0), 0u) << usage.out;

    std::string valid = dir + "/valid.yaml";
    std::ofstream(valid) << "version: 1\ndestinations:\n  - addresses: [127.0.0.1]\n    port: 9\n    proto: tcp\n";
    auto bad_ca = run_egresswatch({"check", "--ca-file", malformed, valid});  // a file, but no certificate in it
    EXPECT_EQ(bad_ca.exit_code, 3) << bad_ca.out << bad_ca.err;
    EXPECT_EQ(bad_ca.out.rfind("EGRESS UNKNOWN - --ca-file " + malformed + ": cannot load PEM certificates", 0), 0u)
        << bad_ca.out;
    fs::remove_all(dir);
}
