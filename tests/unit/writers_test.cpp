#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/subprocess.h"
#include "report/jsonl.h"
#include "report/jsonl/codecs.h"
#include "report/report.h"
#include "report_text.h"
#include "session_fixture.h"

using namespace egresswatch;

namespace {

const std::string kGolden = std::string(FIXTURES_DIR) + "/golden/";

// EGRESSWATCH_UPDATE_GOLDEN=1 rewrites the files instead: review the diff before committing.
void expect_golden(const std::string& name, const std::string& actual) {
    std::string path = kGolden + name;
    if (std::getenv("EGRESSWATCH_UPDATE_GOLDEN")) {
        std::ofstream(path) << actual;
        return;
    }
    std::string expected = test::read_text(path);
    ASSERT_FALSE(expected.empty()) << "missing golden file " << path;
    EXPECT_EQ(actual, expected) << "differs from " << path;
}

Aggregator fixture_aggregate() {
    Aggregator agg;
    test::play_fixture_session(agg);
    return agg;
}

}  // namespace

TEST(Writers, ReportJsonGolden) {
    Aggregator agg = fixture_aggregate();
    expect_golden("report.json", test::report_text(agg, {ScopeFilter::all, test::kT0}));
}

// report.json is streamed, not dumped from a document: every section, empty or not, must
// come out exactly as nlohmann's dump(2) of the whole document would write it.
TEST(Writers, StreamedReportIsTheWholeDocumentsDump) {
    Aggregator agg = fixture_aggregate();
    auto curl = test::process(101, "curl", "/usr/bin/curl", {{100, "deploy.sh", "/srv/deploy.sh"}});
    AlertRecord alert;
    alert.connection = test::connection(SockEventKind::connect, 2, "198.18.0.2", 8080, 6, curl);
    alert.ts_ns = alert.connection.ts_ns;
    agg.on_alert(alert);
    ConnectionRecord refused = test::connection(SockEventKind::send, 3, "198.51.100.7", 53, 17, curl);
    refused.verdict = Verdict::blocked;
    agg.on_connection(refused);
    ConnectionRecord odd = test::connection(SockEventKind::connect, 4, "198.18.0.9", 22, 6,
                                            test::process(104, "bad\xff\xfe", "/opt/\xc3(", {}));
    agg.on_connection(odd);
    for (ScopeFilter scope : {ScopeFilter::all, ScopeFilter::internet}) {
        std::string text = test::report_text(agg, {scope, test::kT0});
        EXPECT_EQ(text, Json::parse(text).dump(2) + "\n");
        EXPECT_NE(text.find("\"alerts\": [\n"), std::string::npos);
        EXPECT_NE(text.find("\"blocked\": [\n"), std::string::npos);
    }
    // Empty lists and objects are written [] and {} on the key's line.
    Aggregator empty;
    std::string text = test::report_text(empty, {ScopeFilter::all, test::kT0});
    EXPECT_EQ(text, Json::parse(text).dump(2) + "\n");
    EXPECT_NE(text.find("\"destinations\": [],"), std::string::npos) << text;
    EXPECT_NE(text.find("\"kernel_features\": {},"), std::string::npos) << text;
}

TEST(Writers, ReportJsonInternetScope) {
    Aggregator agg = fixture_aggregate();
    Json r = test::report_of(agg, {ScopeFilter::internet, test::kT0});
    ASSERT_EQ(r["destinations"].size(), 1u);
    EXPECT_EQ(r["destinations"][0]["address"], "93.184.216.34");
    EXPECT_EQ(r["summary"]["internet_destinations"], 1);
    EXPECT_EQ(r["counters"]["lost"]["total"], 2);
}

TEST(Writers, AllowlistYamlGoldenExcludesLoopbackByDefault) {
    Aggregator agg = fixture_aggregate();
    std::string yaml = test::allowlist_text(agg, {kDefaultAllowlistScope, test::kT0});
    EXPECT_EQ(yaml.find("127.0.0.1"), std::string::npos);
    expect_golden("allowlist.yaml", yaml);
}

TEST(Writers, SummaryGolden) {
    Aggregator agg = fixture_aggregate();
    expect_golden("summary.txt", test::summary_text(agg, ScopeFilter::all));
}

TEST(Writers, EventsJsonlGoldenTypeFirst) {
    std::ostringstream out;
    JsonlWriter writer(out);
    test::play_fixture_session(writer);
    expect_golden("events.jsonl", out.str());
    std::istringstream lines(out.str());
    std::string line;
    while (std::getline(lines, line)) EXPECT_EQ(line.rfind("{\"type\":", 0), 0u) << line;
}

TEST(Writers, JsonlRoundTripRebuildsTheSameReport) {
    std::stringstream events;
    JsonlWriter writer(events);
    test::play_fixture_session(writer);
    Aggregator replayed;
    ReplayResult result = replay_jsonl(events, replayed);
    EXPECT_EQ(result.first_bad_line, 0u) << result.error;
    Aggregator direct = fixture_aggregate();
    EXPECT_EQ(test::report_of(replayed, {ScopeFilter::all, 0}).dump(),
              test::report_of(direct, {ScopeFilter::all, 0}).dump());
    EXPECT_EQ(test::allowlist_text(replayed, {ScopeFilter::nonlocal, 0}),
              test::allowlist_text(direct, {ScopeFilter::nonlocal, 0}));
}

TEST(Writers, ReplayNamesTheBadLine) {
    Aggregator agg;
    std::istringstream bad("{\"type\":\"stop\",\"ts\":\"2026-11-22T00:00:00.000000Z\"}\n"
                           "{\"type\":\"connect\",\"ts\":\"2026-11-22T00:00:00Z\",\"proto\":\"tcp\"}\n");
    ReplayResult r = replay_jsonl(bad, agg);
    EXPECT_EQ(r.first_bad_line, 2u);
    EXPECT_NE(r.error.find("daddr"), std::string::npos) << r.error;
    std::istringstream garbage("not json\n");
    EXPECT_EQ(replay_jsonl(garbage, agg).first_bad_line, 1u);
    std::istringstream future("{\"type\":\"quic\",\"ts\":\"2026-11-22T00:00:00Z\"}\n");
    ReplayResult f = replay_jsonl(future, agg);
    EXPECT_EQ(f.first_bad_line, 0u);
    EXPECT_EQ(f.skipped, 1u);
}

TEST(Writers, InvalidUtf8InArgvDoesNotThrow) {
    std::ostringstream out;
    JsonlWriter writer(out);
    ConnectionRecord r = test::connection(SockEventKind::connect, 1, "10.0.0.1", 80, 6, test::process(1, "x", "/x"));
    r.process.argv = {"\xff\xfe"};
    EXPECT_NO_THROW(writer.on_connection(r));
    writer.on_batch_end();
    EXPECT_NE(out.str().find("argv"), std::string::npos);
}

// The one writer and the one reader of a process's fields agree on a cut ancestry.
TEST(Writers, ACutAncestryIsWrittenAndReadBack) {
    ProcessRef p;
    p.pid = 7;
    p.ancestry = {{6, "sh", "/bin/sh"}};
    Json j;
    put_process(j, p);
    EXPECT_FALSE(j.contains("ancestry_truncated"));
    EXPECT_FALSE(process_from(j).ancestry_truncated);
    p.ancestry_truncated = true;
    put_process(j, p);
    EXPECT_EQ(j["ancestry_truncated"], true);
    EXPECT_TRUE(process_from(j).ancestry_truncated);
}

// A record from a container says which, and which pod; the line reads back the same, and a
// record from the host has neither key.
TEST(Writers, ContainerAndPodAreWrittenAndReadBack) {
    ConnectionRecord r =
        test::connection(SockEventKind::connect, 1, "198.18.0.2", 80, 6, test::process(7, "wget", "/bin/busybox"));
    EXPECT_FALSE(to_json(r).contains("container"));
    ContainerInfo c;
    c.id = std::string(64, 'a');
    c.name = "web";
    c.image = "registry.test/web:1";
    c.runtime = Runtime::containerd;
    c.pod = PodInfo{"shop", "web-7f9c", "3f1e2d4c-0000-4000-8000-000000000001", "nginx", PodQos::burstable};
    r.process.container = c;
    Json j = to_json(r);
    EXPECT_EQ(
        j["container"].dump(),
        "{\"id\":\"" + c.id + "\",\"name\":\"web\",\"image\":\"registry.test/web:1\",\"runtime\":\"containerd\"}");
    EXPECT_EQ(j["pod"]["namespace"], "shop");
    EXPECT_EQ(j["pod"]["qos"], "Burstable");
    ConnectionRecord back = connection_from(j, "connect");
    ASSERT_TRUE(back.process.container);
    EXPECT_EQ(*back.process.container, c);
}
