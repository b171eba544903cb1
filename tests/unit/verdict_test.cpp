// --enforce verdicts from the record path outwards: events.jsonl lines and their replay, and
// blocked attempts kept out of destinations and the allowlist but listed in report.json and
// the summary.
#include <gtest/gtest.h>

#include <sstream>

#include "report/jsonl.h"
#include "report/report.h"
#include "report_text.h"
#include "session_fixture.h"

using namespace egresswatch;

namespace {

ConnectionRecord with_verdict(ConnectionRecord r, Verdict verdict) {
    r.verdict = verdict;
    return r;
}

// Keeps the records a replay hands over, to compare them with what was written.
struct Collect final : RecordSink {
    std::vector<Json> lines;
    void on_start(const SessionStart& r) override { lines.push_back(to_json(r)); }
    void on_connection(const ConnectionRecord& r) override { lines.push_back(to_json(r)); }
};

// An enforced run: one allowed connect, curl refused twice (two processes), a datagram
// refused, one connect fail-open let through unchecked, and a refused name's address that
// another program reached unnamed.
void play_enforced_session(RecordSink& sink) {
    SessionStart start;
    start.ts_ns = test::kT0;
    start.mode = "run";
    start.command = {"./deploy.sh"};
    start.enforce = "allow.yaml";
    start.enforce_mode = "fail-closed";
    sink.on_start(start);
    std::vector<Ancestor> from_deploy{{100, "deploy.sh", "/srv/deploy.sh"}};
    auto curl = test::process(101, "curl", "/usr/bin/curl", from_deploy);
    auto curl2 = test::process(105, "curl", "/usr/bin/curl", from_deploy);
    auto py = test::process(102, "python3", "/usr/bin/python3.11", from_deploy);
    auto wget = test::process(103, "wget", "/usr/bin/wget", from_deploy);
    using enum SockEventKind;
    sink.on_connection(
        test::named(test::connection(connect, 1, "198.18.0.3", 80, 6, curl), "mirror.test", "http-host"));
    sink.on_connection(with_verdict(
        test::named(test::connection(connect, 2, "198.18.0.9", 80, 6, curl), "evil.test", "dns-same-process"),
        Verdict::blocked));
    sink.on_connection(with_verdict(
        test::named(test::connection(connect, 3, "198.18.0.9", 80, 6, curl2), "evil.test", "dns-same-process"),
        Verdict::blocked));
    sink.on_connection(with_verdict(test::connection(send, 4, "198.18.0.53", 5300, 17, py), Verdict::blocked));
    sink.on_connection(
        with_verdict(test::named(test::connection(connect, 5, "198.18.0.7", 443, 6, wget), "late.test", "tls-sni"),
                     Verdict::unverified));
    sink.on_connection(test::connection(connect, 6, "198.18.0.9", 80, 6, wget));
    sink.on_stop(SessionStop{test::kT0 + 10'000'000, 0});
}

Aggregator enforced_aggregate() {
    Aggregator agg;
    play_enforced_session(agg);
    return agg;
}

std::vector<Json> written_lines() {
    std::ostringstream out;
    JsonlWriter writer(out);
    play_enforced_session(writer);
    std::vector<Json> lines;
    std::istringstream in(out.str());
    for (std::string line; std::getline(in, line);) lines.push_back(Json::parse(line));
    return lines;
}

}  // namespace

TEST(Verdict, BlockedIsALineTypeOfItsOwnUnverifiedAField) {
    std::vector<Json> lines = written_lines();
    ASSERT_EQ(lines.size(), 8u);
    EXPECT_EQ(lines[0]["enforce"], "allow.yaml");
    EXPECT_EQ(lines[0]["enforce_mode"], "fail-closed");

    EXPECT_EQ(lines[1]["type"], "connect");
    EXPECT_FALSE(lines[1].contains("verdict")) << "allowed lines are what they always were";

    const Json& blocked = lines[2];
    EXPECT_EQ(blocked.dump().rfind(R"({"type":"blocked","ts":"2026-11-18T)", 0), 0u) << blocked.dump();
    EXPECT_EQ(blocked["of"], "connect");
    EXPECT_FALSE(blocked.contains("verdict"));
    EXPECT_EQ(blocked["daddr"], "198.18.0.9");
    EXPECT_EQ(blocked["dport"], 80);
    EXPECT_EQ(blocked["proto"], "tcp");
    EXPECT_EQ(blocked["host"], "evil.test");
    EXPECT_EQ(blocked["host_source"], "dns-same-process");
    EXPECT_EQ(blocked["exe"], "/usr/bin/curl");
    EXPECT_EQ(blocked["ancestry"][0]["exe"], "/srv/deploy.sh");
    EXPECT_TRUE(blocked.contains("cookie"));
    EXPECT_EQ(lines[4]["type"], "blocked");
    EXPECT_EQ(lines[4]["of"], "send");

    EXPECT_EQ(lines[5]["type"], "connect");
    EXPECT_EQ(lines[5]["verdict"], "unverified");
}

TEST(Verdict, ReplayReadsBackEveryLineAsWritten) {
    std::ostringstream out;
    JsonlWriter writer(out);
    play_enforced_session(writer);
    std::istringstream in(out.str());
    Collect replayed;
    ReplayResult result = replay_jsonl(in, replayed);
    ASSERT_EQ(result.first_bad_line, 0u) << result.error;
    EXPECT_EQ(result.skipped, 0u);
    std::vector<Json> lines = written_lines();
    lines.pop_back();  // stop: Collect does not keep it
    EXPECT_EQ(replayed.lines, lines);

    std::istringstream again(out.str());
    Aggregator from_file;
    replay_jsonl(again, from_file);
    Aggregator direct = enforced_aggregate();
    EXPECT_EQ(test::report_of(from_file, {ScopeFilter::all, 0}), test::report_of(direct, {ScopeFilter::all, 0}));
    EXPECT_EQ(test::summary_text(from_file, ScopeFilter::all), test::summary_text(direct, ScopeFilter::all));
}

TEST(Verdict, ReplayRejectsWhatItCannotTakeForAVerdict) {
    const std::string head = R"({"ts":"2026-11-22T00:00:00Z","proto":"tcp","daddr":"198.18.0.9","dport":80,"pid":1,)";
    Aggregator agg;
    std::istringstream bad_of(R"({"type":"blocked",)" + head.substr(1) + R"("of":"bind"})" + "\n");
    ReplayResult r = replay_jsonl(bad_of, agg);
    EXPECT_EQ(r.first_bad_line, 1u);
    EXPECT_NE(r.error.find("\"of\""), std::string::npos) << r.error;
    std::istringstream no_of(R"({"type":"blocked",)" + head.substr(1, head.size() - 2) + "}\n");
    EXPECT_EQ(replay_jsonl(no_of, agg).first_bad_line, 1u);
    std::istringstream bad_verdict(R"({"type":"connect",)" + head.substr(1) + R"("verdict":"maybe"})" + "\n");
    r = replay_jsonl(bad_verdict, agg);
    EXPECT_EQ(r.first_bad_line, 1u) << "an unknown verdict must not count as a destination reached";
    EXPECT_NE(r.error.find("verdict"), std::string::npos) << r.error;
    EXPECT_TRUE(agg.destinations().empty());
}

TEST(Verdict, BlockedAttemptsAreNoDestinations) {
    Aggregator agg = enforced_aggregate();
    EXPECT_EQ(agg.destinations().size(), 3u) << "mirror.test, late.test and wget's unnamed 198.18.0.9";
    DestinationKey unnamed{*IpAddress::parse("198.18.0.9"), 80, 6, 0};
    ASSERT_TRUE(agg.destinations().count(unnamed)) << "a refused name must not name another program's connect";
    EXPECT_EQ(agg.counts().connect, 3u);
    EXPECT_EQ(agg.counts().send, 0u);
    EXPECT_EQ(agg.counts().blocked, 3u);
    EXPECT_EQ(agg.counts().unverified, 1u);
    EXPECT_FALSE(agg.processes().contains("/usr/bin/python3.11")) << "it reached nothing";
    EXPECT_EQ(agg.processes().at("/usr/bin/curl")->connections, 1u);

    std::string yaml = test::allowlist_text(agg, {ScopeFilter::all, test::kT0});
    EXPECT_EQ(yaml.find("evil.test"), std::string::npos) << yaml;
    EXPECT_EQ(yaml.find("198.18.0.53"), std::string::npos) << yaml;
    EXPECT_NE(yaml.find("late.test"), std::string::npos) << "an unverified connect did get out";
}

TEST(Verdict, ReportListsBlockedAttemptsAndCountsUnverified) {
    Json report = test::report_of(enforced_aggregate(), {ScopeFilter::internet, test::kT0});
    EXPECT_EQ(report["session"]["enforce"], "allow.yaml");
    EXPECT_EQ(report["session"]["enforce_mode"], "fail-closed");
    EXPECT_EQ(report["summary"]["blocked"], 2);
    EXPECT_EQ(report["summary"]["blocked_attempts"], 3);
    EXPECT_EQ(report["summary"]["unverified"], 1);
    EXPECT_EQ(report["counters"]["events"]["blocked"], 3);
    EXPECT_EQ(report["counters"]["events"]["unverified"], 1);
    EXPECT_EQ(report["counters"]["events"]["connect"], 3);

    const Json& blocked = report["blocked"];
    ASSERT_EQ(blocked.size(), 2u) << "not filtered by --scope: every refusal is a finding";
    EXPECT_EQ(blocked[0]["address"], "198.18.0.9");
    EXPECT_EQ(blocked[0]["host"], "evil.test");
    EXPECT_EQ(blocked[0]["port"], 80);
    EXPECT_EQ(blocked[0]["proto"], "tcp");
    EXPECT_EQ(blocked[0]["attempts"], 2);
    EXPECT_EQ(blocked[0]["first_seen"], format_timestamp(test::kT0 + 2'000'000));
    EXPECT_EQ(blocked[0]["last_seen"], format_timestamp(test::kT0 + 3'000'000));
    ASSERT_EQ(blocked[0]["processes"].size(), 1u);
    EXPECT_EQ(blocked[0]["processes"][0]["exe"], "/usr/bin/curl");
    EXPECT_EQ(blocked[0]["processes"][0]["pids"], Json::array({101, 105}));
    EXPECT_EQ(blocked[0]["processes"][0]["comms"], Json::array({"curl"}));
    EXPECT_EQ(blocked[0]["processes"][0]["attempts"], 2);
    EXPECT_EQ(blocked[1]["address"], "198.18.0.53");
    EXPECT_EQ(blocked[1]["proto"], "udp");
    EXPECT_EQ(blocked[1]["datagrams"], 1);
    EXPECT_FALSE(blocked[1].contains("host"));

    Json all = test::report_of(enforced_aggregate(), {ScopeFilter::all, test::kT0});
    for (const Json& d : all["destinations"]) {
        EXPECT_NE(d.value("host", ""), "evil.test");
        if (d.value("host", "") == "late.test")
            EXPECT_EQ(d["unverified"], 1);
        else
            EXPECT_FALSE(d.contains("unverified"));
    }
}

TEST(Verdict, ReportHasNoBlockedSectionWithoutEnforcement) {
    Aggregator agg;
    test::play_fixture_session(agg);
    Json report = test::report_of(agg, {});
    EXPECT_FALSE(report.contains("blocked"));
    EXPECT_FALSE(report["summary"].contains("blocked"));
    EXPECT_FALSE(report["counters"]["events"].contains("unverified"));
    EXPECT_EQ(test::summary_text(agg, ScopeFilter::all).find("Blocked"), std::string::npos);

    Aggregator enforcing_nothing_refused;
    SessionStart start;
    start.enforce = "allow.yaml";
    start.enforce_mode = "fail-open";
    enforcing_nothing_refused.on_start(start);
    EXPECT_EQ(test::report_of(enforcing_nothing_refused, {})["blocked"], Json::array());
    EXPECT_NE(test::summary_text(enforcing_nothing_refused, ScopeFilter::all)
                  .find("Enforced: allow.yaml (fail-open)\n\nBlocked (refused by enforcement):\n  none\n"),
              std::string::npos);
}

TEST(Verdict, SummaryHasABlockedSectionAndTheUnverifiedCount) {
    std::string summary = test::summary_text(enforced_aggregate(), ScopeFilter::all);
    EXPECT_NE(summary.find("\nEnforced: allow.yaml (fail-closed)\n"), std::string::npos) << summary;
    std::size_t section = summary.find("\nBlocked (refused by enforcement):\n");
    ASSERT_NE(section, std::string::npos) << summary;
    std::size_t evil = summary.find("evil.test 198.18.0.9:80/tcp", section);
    ASSERT_NE(evil, std::string::npos) << summary;
    std::string row = summary.substr(evil, summary.find('\n', evil) - evil);
    EXPECT_NE(row.find("  2  "), std::string::npos) << row;
    EXPECT_NE(row.find("/usr/bin/curl (2 processes)"), std::string::npos) << row;
    EXPECT_NE(summary.find("198.18.0.53:5300/udp", section), std::string::npos) << summary;
    EXPECT_NE(summary.find("\nUnverified: 1 connects and datagrams"), std::string::npos) << summary;
    EXPECT_NE(summary.find("3 connect, 0 send, 0 exec, 0 exit, 3 blocked"), std::string::npos) << summary;
    std::size_t destinations = summary.find("\nDestinations");
    EXPECT_EQ(summary.substr(destinations, section - destinations).find("evil.test"), std::string::npos)
        << "blocked attempts are not listed as destinations";
}
