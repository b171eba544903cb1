// `egresswatch check` without a network: which steps each entry gets, the Nagios status line,
// exit codes, perfdata and the JSON document, allowlist entries as targets, the command line.
#include <gtest/gtest.h>

#include "allowlist/allowlist_loader.h"
#include "check/check_output.h"
#include "check/check_targets.h"
#include "check/egress_check.h"
#include "check/http.h"
#include "cli/options.h"

using namespace egresswatch;
using namespace std::chrono_literals;

namespace {

CheckTarget host_target(const std::string& host, std::uint16_t port, CheckProto proto = CheckProto::tcp) {
    CheckTarget t;
    t.host = host;
    t.addresses = {*IpAddress::parse("198.51.100.7")};
    t.port = port;
    t.proto = proto;
    return t;
}

CheckTarget address_target(const std::string& address, std::uint16_t port, CheckProto proto = CheckProto::tcp) {
    CheckTarget t;
    t.addresses = {*IpAddress::parse(address)};
    t.port = port;
    t.proto = proto;
    return t;
}

StepResult ran(CheckStep step, CheckStatus status, std::string detail, std::chrono::microseconds time = 1000us) {
    StepResult r;
    r.step = step;
    r.ran = true;
    r.status = status;
    r.detail = std::move(detail);
    r.time = time;
    return r;
}

StepResult not_run(CheckStep step) {
    StepResult r;
    r.step = step;
    return r;
}

// A destination every planned step of which passed.
DestinationResult reachable(const CheckTarget& t) {
    DestinationResult d;
    d.target = t;
    for (CheckStep s : plan_steps(t))
        d.steps.push_back(ran(s, CheckStatus::ok, s == CheckStep::http ? "HTTP/1.1 200 OK" : ""));
    if (t.proto == CheckProto::tcp)
        d.connected = t.addresses.front();
    else
        d.note = "udp not actively checked";
    d.time = 3ms;
    return d;
}

// A TCP destination whose connect was refused.
DestinationResult refused(const CheckTarget& t) {
    DestinationResult d;
    d.target = t;
    for (CheckStep s : plan_steps(t)) {
        if (s == CheckStep::dns)
            d.steps.push_back(ran(s, CheckStatus::ok, "198.51.100.7"));
        else if (s == CheckStep::tcp)
            d.steps.push_back(ran(s, CheckStatus::critical, "198.51.100.7: connection refused"));
        else
            d.steps.push_back(not_run(s));
    }
    return d;
}

DestinationResult cert_expiring(const CheckTarget& t) {
    DestinationResult d = reachable(t);
    for (auto& s : d.steps)
        if (s.step == CheckStep::tls) {
            s.status = CheckStatus::warning;
            s.detail = "certificate expires in 3 days (--warn-days 14)";
        }
    d.cert_days_left = 3;
    return d;
}

CheckReport report_of(std::vector<DestinationResult> results) {
    CheckReport r;
    r.destinations = std::move(results);
    r.elapsed = 420ms;
    return r;
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0, end;
    while ((end = text.find('\n', start)) != std::string::npos) {
        out.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

}  // namespace

// --- which steps -------------------------------------------------------------------------

TEST(CheckPlan, StepsFollowPortAndProtocol) {
    using S = std::vector<CheckStep>;
    EXPECT_EQ(plan_steps(host_target("a.test", 443)),
              (S{CheckStep::dns, CheckStep::tcp, CheckStep::tls, CheckStep::http}));
    EXPECT_EQ(plan_steps(host_target("a.test", 8443)),
              (S{CheckStep::dns, CheckStep::tcp, CheckStep::tls, CheckStep::http}));
    EXPECT_EQ(plan_steps(host_target("a.test", 80)), (S{CheckStep::dns, CheckStep::tcp, CheckStep::http}));
    EXPECT_EQ(plan_steps(host_target("a.test", 8080)), (S{CheckStep::dns, CheckStep::tcp, CheckStep::http}));
    EXPECT_EQ(plan_steps(host_target("a.test", 22)), (S{CheckStep::dns, CheckStep::tcp}));
    EXPECT_EQ(plan_steps(host_target("a.test", 443, CheckProto::udp)), (S{CheckStep::dns}));
}

TEST(CheckPlan, AddressEntriesHaveNoDnsStep) {
    using S = std::vector<CheckStep>;
    EXPECT_EQ(plan_steps(address_target("198.51.100.7", 443)), (S{CheckStep::tcp, CheckStep::tls, CheckStep::http}));
    EXPECT_EQ(plan_steps(address_target("198.51.100.7", 5432)), (S{CheckStep::tcp}));
    EXPECT_TRUE(plan_steps(address_target("198.51.100.7", 123, CheckProto::udp)).empty());
}

TEST(CheckPlan, Labels) {
    EXPECT_EQ(host_target("mirror.test", 443).label(), "mirror.test:443/tcp");
    EXPECT_EQ(address_target("198.51.100.7", 53, CheckProto::udp).label(), "198.51.100.7:53/udp");
    EXPECT_EQ(address_target("2001:db8::1", 80).label(), "[2001:db8::1]:80/tcp");
}

// --- status line, exit code, perfdata ------------------------------------------------------

TEST(CheckOutput, AllReachableIsOk) {
    auto report = report_of({reachable(host_target("a.test", 443)), reachable(address_target("198.51.100.9", 22))});
    EXPECT_EQ(overall_status(report), CheckStatus::ok);
    EXPECT_EQ(static_cast<int>(overall_status(report)), 0);
    std::string out = render_nagios(report);
    EXPECT_EQ(first_line(out),
              "EGRESS OK - 2 destinations reachable | reachable=2;;;0;2 failed=0;;;0;2 warning=0;;;0;2 "
              "unchecked=0;;;0;2 time=0.420s;;;0");
    auto l = lines(out);
    ASSERT_EQ(l.size(), 3u) << out;
    EXPECT_EQ(
        l[1],
        "OK a.test:443/tcp - reached 198.51.100.7; HTTP/1.1 200 OK (dns 1.0ms, tcp 1.0ms, tls 1.0ms, http 1.0ms)");
    EXPECT_EQ(l[2], "OK 198.51.100.9:22/tcp - reached 198.51.100.9 (tcp 1.0ms)");
}

TEST(CheckOutput, OneRefusedIsCriticalAndListedFirst) {
    auto report = report_of({reachable(host_target("a.test", 443)), refused(host_target("b.test", 22)),
                             reachable(host_target("c.test", 80))});
    EXPECT_EQ(overall_status(report), CheckStatus::critical);
    std::string out = render_nagios(report);
    EXPECT_EQ(first_line(out),
              "EGRESS CRITICAL - 1 of 3 destinations failed: b.test:22/tcp (tcp: 198.51.100.7: connection refused) | "
              "reachable=2;;;0;3 failed=1;;;0;3 warning=0;;;0;3 unchecked=0;;;0;3 time=0.420s;;;0");
    auto l = lines(out);
    ASSERT_EQ(l.size(), 4u);
    EXPECT_EQ(l[1], "CRITICAL b.test:22/tcp - tcp: 198.51.100.7: connection refused (dns 1.0ms, tcp 1.0ms)");
    EXPECT_EQ(l[2].rfind("OK a.test:443/tcp", 0), 0u) << l[2];
    EXPECT_EQ(l[3].rfind("OK c.test:80/tcp", 0), 0u) << l[3];
}

TEST(CheckOutput, WarningsWithoutFailuresAreWarning) {
    auto slow = reachable(host_target("slow.test", 22));
    slow.warnings.push_back("slow: 2500ms (--warn-time 2s)");
    auto report = report_of({reachable(host_target("a.test", 80)), cert_expiring(host_target("b.test", 443)), slow});
    EXPECT_EQ(overall_status(report), CheckStatus::warning);
    EXPECT_EQ(static_cast<int>(overall_status(report)), 1);
    std::string line = first_line(render_nagios(report));
    EXPECT_EQ(line.rfind("EGRESS WARNING - 3 destinations reachable, 2 with warnings: b.test:443/tcp (tls: certificate "
                         "expires in 3 days (--warn-days 14)), slow.test:22/tcp (slow: 2500ms (--warn-time 2s)) | ",
                         0),
              0u)
        << line;
    EXPECT_NE(line.find(" warning=2;;;0;3 "), std::string::npos) << line;
    EXPECT_EQ(lines(render_nagios(report))[1].rfind("WARNING b.test:443/tcp", 0), 0u);
}

TEST(CheckOutput, FailuresOutrankWarningsAndUdpIsUnchecked) {
    auto report = report_of({cert_expiring(host_target("b.test", 443)), refused(address_target("198.51.100.9", 22)),
                             reachable(host_target("ntp.test", 123, CheckProto::udp))});
    EXPECT_EQ(overall_status(report), CheckStatus::critical);
    std::string out = render_nagios(report);
    EXPECT_EQ(first_line(out),
              "EGRESS CRITICAL - 1 of 3 destinations failed: 198.51.100.9:22/tcp (tcp: 198.51.100.7: connection "
              "refused); 1 with warnings: b.test:443/tcp (tls: certificate expires in 3 days (--warn-days 14)); 1 not "
              "actively checked (udp) | reachable=1;;;0;3 failed=1;;;0;3 warning=1;;;0;3 unchecked=1;;;0;3 "
              "time=0.420s;;;0");
    auto l = lines(out);
    ASSERT_EQ(l.size(), 4u);
    EXPECT_EQ(l[1].rfind("CRITICAL ", 0), 0u);
    EXPECT_EQ(l[2].rfind("WARNING ", 0), 0u);
    EXPECT_EQ(l[3], "OK ntp.test:123/udp - udp not actively checked (dns 1.0ms)");
}

TEST(CheckOutput, StatusLineNamesThreeFailuresThenCounts) {
    std::vector<DestinationResult> results;
    for (int i = 0; i < 5; ++i) results.push_back(refused(host_target("h" + std::to_string(i) + ".test", 22)));
    std::string line = first_line(render_nagios(report_of(results)));
    EXPECT_NE(line.find("h2.test:22/tcp (tcp: 198.51.100.7: connection refused) and 2 more | "), std::string::npos)
        << line;
    EXPECT_EQ(line.find("h3.test"), std::string::npos) << line;
}

TEST(CheckOutput, NothingToCheckOrCannotStartIsUnknown) {
    CheckReport empty;
    EXPECT_EQ(overall_status(empty), CheckStatus::unknown);
    EXPECT_EQ(static_cast<int>(overall_status(empty)), 3);
    EXPECT_EQ(
        first_line(render_nagios(empty)).rfind("EGRESS UNKNOWN - the allowlist has no destinations to check | ", 0),
        0u);
    EXPECT_EQ(render_nagios_unknown("cannot read x.yaml"), "EGRESS UNKNOWN - cannot read x.yaml\n");
}

TEST(CheckOutput, PipesAndLineBreaksNeverReachThePluginOutput) {
    auto d = refused(host_target("a.test", 22));
    d.steps[1].detail = "odd | server\nsaid";
    std::string out = render_nagios(report_of({d}));
    auto l = lines(out);
    ASSERT_EQ(l.size(), 2u) << out;
    EXPECT_EQ(std::count(l[0].begin(), l[0].end(), '|'), 1) << l[0];
    EXPECT_EQ(l[1].find('|'), std::string::npos);
    EXPECT_EQ(render_nagios_unknown("a|b\nc"), "EGRESS UNKNOWN - a/b c\n");
}

// --- JSON ----------------------------------------------------------------------------------

TEST(CheckOutput, JsonHasStatusCountsAndEachDestinationsSteps) {
    auto ok = reachable(host_target("a.test", 443));
    ok.resolved = {*IpAddress::parse("198.51.100.7")};
    ok.cert_days_left = 80;
    auto report = report_of({ok, refused(host_target("b.test", 443))});
    auto j = check_json(report);
    EXPECT_EQ(j["status"], "CRITICAL");
    EXPECT_EQ(j["exit_code"], 2);
    EXPECT_EQ(j["summary"], "1 of 2 destinations failed: b.test:443/tcp (tcp: 198.51.100.7: connection refused)");
    EXPECT_DOUBLE_EQ(j["time_ms"].get<double>(), 420.0);
    EXPECT_EQ(j["counts"],
              (nlohmann::ordered_json{
                  {"destinations", 2}, {"reachable", 1}, {"failed", 1}, {"warning", 0}, {"unchecked", 0}}));
    ASSERT_EQ(j["destinations"].size(), 2u);

    const auto& a = j["destinations"][0];  // the allowlist's order, not by severity
    EXPECT_EQ(a["destination"], "a.test:443/tcp");
    EXPECT_EQ(a["host"], "a.test");
    EXPECT_EQ(a["addresses"], nlohmann::ordered_json::array({"198.51.100.7"}));
    EXPECT_EQ(a["port"], 443);
    EXPECT_EQ(a["proto"], "tcp");
    EXPECT_EQ(a["status"], "OK");
    EXPECT_EQ(a["outcome"], "reachable");
    EXPECT_EQ(a["resolved"], nlohmann::ordered_json::array({"198.51.100.7"}));
    EXPECT_EQ(a["connected"], "198.51.100.7");
    EXPECT_EQ(a["cert_days_left"], 80);
    EXPECT_DOUBLE_EQ(a["time_ms"].get<double>(), 3.0);
    ASSERT_EQ(a["steps"].size(), 4u);
    EXPECT_EQ(a["steps"][3]["step"], "http");
    EXPECT_EQ(a["steps"][3]["result"], "ok");
    EXPECT_EQ(a["steps"][3]["detail"], "HTTP/1.1 200 OK");
    EXPECT_DOUBLE_EQ(a["steps"][3]["time_ms"].get<double>(), 1.0);

    const auto& b = j["destinations"][1];
    EXPECT_EQ(b["status"], "CRITICAL");
    EXPECT_EQ(b["outcome"], "failed");
    EXPECT_EQ(b["message"], "tcp: 198.51.100.7: connection refused");
    EXPECT_TRUE(b["connected"].is_null());
    EXPECT_EQ(b["steps"][1]["result"], "failed");
    EXPECT_EQ(b["steps"][2], (nlohmann::ordered_json{{"step", "tls"}, {"result", "not_run"}}));
    EXPECT_EQ(b["steps"][3]["result"], "not_run");

    auto unknown = check_json_unknown("cannot read x.yaml");
    EXPECT_EQ(unknown["status"], "UNKNOWN");
    EXPECT_EQ(unknown["exit_code"], 3);
    EXPECT_TRUE(unknown["destinations"].empty());
}

// --- HTTP status line ----------------------------------------------------------------------

TEST(CheckHttp, AnyStatusLineCountsOthersDoNot) {
    EXPECT_EQ(check::parse_status_line("HTTP/1.1 200 OK\r\nServer: x\r\n"), "HTTP/1.1 200 OK");
    EXPECT_EQ(check::parse_status_line("HTTP/1.0 404 Not Found\n"), "HTTP/1.0 404 Not Found");
    EXPECT_EQ(check::parse_status_line("HTTP/1.1 503\r\n"), "HTTP/1.1 503");
    EXPECT_FALSE(check::parse_status_line("SSH-2.0-OpenSSH_9.2\r\n"));
    EXPECT_FALSE(check::parse_status_line("HTTP/1.1 20 OK\r\n"));
    EXPECT_FALSE(check::parse_status_line("HTTP/1.1 2000 OK\r\n"));
    EXPECT_FALSE(check::parse_status_line(""));
}

// --- allowlist entries as check targets ------------------------------------------------------

namespace {
std::vector<CheckTarget> targets_of(const std::string& yaml) {
    return check_targets_of(parse_allowlist(yaml, "a.yaml"));
}
}  // namespace

TEST(CheckTargets, WhatTheRecorderWritesIsCheckedAsWritten) {
    auto targets = targets_of(R"(# egress manifest written by egresswatch
version: 1
generated: 2026-11-22T01:21:21.000000Z
scope: nonlocal
destinations:
  - host: mirror.test
    addresses:
      - 198.19.4.2
      - fd00:ea:4::2
    port: 443
    proto: tcp
    scope: benchmark
    processes:
      - /usr/bin/curl
  - addresses:
      - 198.18.254.2
    port: 5300
    proto: udp
    scope: benchmark
    processes: []
)");
    ASSERT_EQ(targets.size(), 2u);
    EXPECT_EQ(targets[0].host, "mirror.test");
    EXPECT_EQ(targets[0].addresses,
              (std::vector<IpAddress>{*IpAddress::parse("198.19.4.2"), *IpAddress::parse("fd00:ea:4::2")}));
    EXPECT_EQ(targets[0].port, 443);
    EXPECT_EQ(targets[0].proto, CheckProto::tcp);
    EXPECT_EQ(targets[0].not_checked, "");
    EXPECT_EQ(targets[0].narrowed, "");
    EXPECT_EQ(targets[1].host, "");
    EXPECT_EQ(targets[1].label(), "198.18.254.2:5300/udp");
    EXPECT_TRUE(targets_of("version: 1\ndestinations: []\n").empty());
}

TEST(CheckTargets, WildcardsAndBlocksAreSkippedNotFailed) {
    auto targets = targets_of(R"(version: 1
destinations:
  - host: "*.pkg.example.org"
    port: 443
    proto: tcp
  - addresses: [10.20.0.0/16, fd00:20::/48]
    port: 22
    proto: tcp
  - addresses: [10.20.0.0/16, 192.0.2.1]
    port: 22
    proto: tcp
)");
    ASSERT_EQ(targets.size(), 3u);
    EXPECT_EQ(targets[0].label(), "*.pkg.example.org:443/tcp");
    EXPECT_EQ(targets[0].not_checked, "wildcard host, no one name to resolve");
    EXPECT_TRUE(plan_steps(targets[0]).empty());
    EXPECT_EQ(targets[1].label(), "10.20.0.0/16:22/tcp");
    EXPECT_EQ(targets[1].not_checked, "address block, no one address to connect to");
    // A single address beside a block is still checked; the block is not.
    EXPECT_EQ(targets[2].not_checked, "");
    EXPECT_EQ(targets[2].addresses, std::vector<IpAddress>{*IpAddress::parse("192.0.2.1")});
    EXPECT_EQ(targets[2].narrowed, "blocks not checked");

    // In a report, a skipped entry is unchecked with its reason, and the result is OK.
    DestinationResult skipped;
    skipped.target = targets[0];
    skipped.note = targets[0].not_checked;
    EXPECT_EQ(skipped.outcome(), CheckOutcome::unchecked);
    EXPECT_EQ(skipped.status(), CheckStatus::ok);
    CheckReport report;
    report.destinations = {skipped};
    EXPECT_EQ(overall_status(report), CheckStatus::ok);
    EXPECT_EQ(
        first_line(render_nagios(report)).rfind("EGRESS OK - 0 destinations reachable, 1 not actively checked | ", 0),
        0u)
        << render_nagios(report);
}

TEST(CheckTargets, PortRangesCheckTheirFirstPortAndAnyIsTcp) {
    auto targets = targets_of(R"(version: 1
destinations:
  - host: api.example.org
    port: "8000-8100"
    proto: any
)");
    ASSERT_EQ(targets.size(), 1u);
    EXPECT_EQ(targets[0].port, 8000);
    EXPECT_EQ(targets[0].proto, CheckProto::tcp);
    EXPECT_EQ(targets[0].narrowed, "port range 8000-8100: checked 8000; proto any: checked as tcp");
}

TEST(CheckTargets, MalformedAllowlistIsTheLoadersFileLineError) {
    try {
        targets_of("version: 1\ndestinations:\n  - host: a.test\n    port: seventy\n    proto: tcp\n");
        FAIL() << "no error";
    } catch (const AllowlistError& e) {
        EXPECT_EQ(std::string(e.what()).rfind("a.yaml:4: ", 0), 0u) << e.what();
    }
    EXPECT_THROW(load_allowlist_file("/nonexistent/egresswatch/allowlist.yaml"), AllowlistError);
}

// --- command line ----------------------------------------------------------------------------

namespace {
CliRequest parse(std::vector<const char*> args) {
    args.insert(args.begin(), "egresswatch");
    return parse_cli(static_cast<int>(args.size()), args.data());
}

CliExit exit_of(std::vector<const char*> args) {
    try {
        parse(std::move(args));
    } catch (const CliExit& e) {
        return e;
    }
    return CliExit{-1, "parsed"};
}
}  // namespace

TEST(CheckCli, OptionsAndDefaults) {
    CliRequest r = parse({"check", "allow.yaml"});
    EXPECT_EQ(r.command, CommandKind::check);
    EXPECT_EQ(r.check.allowlist_path, "allow.yaml");
    EXPECT_EQ(r.check.check.timeout, 5s);
    EXPECT_FALSE(r.check.check.warn_time);
    EXPECT_EQ(r.check.check.warn_days, 14);
    EXPECT_EQ(r.check.check.parallel, 16u);
    EXPECT_FALSE(r.check.json);

    r = parse({"check", "--timeout", "1500ms", "--warn-time", "1s", "--warn-days", "3", "--parallel", "4", "--json",
               "allow.yaml"});
    EXPECT_EQ(r.check.check.timeout, 1500ms);
    EXPECT_EQ(r.check.check.warn_time, 1s);
    EXPECT_EQ(r.check.check.warn_days, 3);
    EXPECT_EQ(r.check.check.parallel, 4u);
    EXPECT_TRUE(r.check.json);
}

TEST(CheckCli, BadArgumentsArePluginUnknown) {
    for (auto args : std::vector<std::vector<const char*>>{{"check"},
                                                           {"check", "a.yaml", "--timeout", "soon"},
                                                           {"check", "a.yaml", "--warn-time", "0s"},
                                                           {"check", "a.yaml", "--parallel", "0"},
                                                           {"check", "a.yaml", "--ca-file", "/nonexistent/ca.pem"},
                                                           {"-v", "check", "a.yaml", "--bogus"}}) {
        CliExit e = exit_of(args);
        EXPECT_EQ(e.code, 3) << args.back();
        EXPECT_TRUE(e.plugin_output) << args.back();
        EXPECT_EQ(e.text.rfind("EGRESS UNKNOWN - ", 0), 0u) << e.text;
        EXPECT_EQ(std::count(e.text.begin(), e.text.end(), '\n'), 1) << e.text;
    }
    EXPECT_EQ(exit_of({"run"}).code, 2);  // the other commands keep their convention
}
