// --sink clickhouse=URL and report --from clickhouse: the URL, the rows, the fleet query, the
// spool, the fleet's sessions read together, and the sink against a real ClickHouse (Debian's
// clickhouse-server 18.16, started here on loopback as any user can).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "allowlist/allowlist_loader.h"
#include "allowlist/allowlist_merge.h"
#include "cli/options.h"
#include "clickhouse/clickhouse_sink.h"
#include "clickhouse/fleet_query.h"
#include "clickhouse/spool.h"
#include "common/clickhouse_server.h"
#include "common/subprocess.h"
#include "report/aggregator.h"
#include "report/jsonl.h"
#include "report/report.h"
#include "session_fixture.h"

using namespace egresswatch;
namespace fs = std::filesystem;

namespace {

ClickHouseTarget target_of(const std::string& url) {
    std::string error;
    auto t = parse_clickhouse_target(url, error);
    EXPECT_TRUE(t) << error;
    return t.value_or(ClickHouseTarget{});
}

// The session fixture as events.jsonl lines.
std::vector<std::string> fixture_lines() {
    std::ostringstream out;
    {
        JsonlWriter writer(out);
        test::play_fixture_session(writer);
    }
    return test::lines_of(out.str());
}

}  // namespace

TEST(ClickHouseTarget, PortDatabaseAndUserFromTheUrl) {
    ClickHouseTarget plain = target_of("http://127.0.0.1");
    EXPECT_EQ(plain.http.origin, "http://127.0.0.1:8123") << "ClickHouse's HTTP port is the default";
    EXPECT_EQ(plain.database, "default");
    EXPECT_EQ(plain.table(), "`default`.`egresswatch_events`");
    ClickHouseTarget tls = target_of("https://ch.example/fleet/");
    EXPECT_EQ(tls.http.origin, "https://ch.example:8443");
    EXPECT_EQ(tls.database, "fleet");
    ClickHouseTarget auth = target_of("http://writer:s%40cret@ch.example:9123/egress");
    EXPECT_EQ(auth.http.user, "writer");
    EXPECT_EQ(auth.http.password, "s@cret") << "user info is URL-decoded";
    EXPECT_EQ(auth.shown(), "http://writer:***@ch.example:9123/egress") << "a password never reaches a message";

    std::string error;
    EXPECT_FALSE(parse_clickhouse_target("http://ch.example/a;drop", error));
    EXPECT_NE(error.find("not a database name"), std::string::npos) << error;
    EXPECT_FALSE(parse_clickhouse_target("http://u:pw@ch.example/x?database=y", error));
    EXPECT_NE(error.find("has a query"), std::string::npos) << error;
    EXPECT_EQ(error.find("pw"), std::string::npos) << "the password stays out of the error: " << error;
    EXPECT_FALSE(parse_clickhouse_target("tcp://ch.example:9000", error));
}

TEST(ClickHouseTarget, CommandLine) {
    const char* watch[] = {"egresswatch",       "watch", "--sink", "clickhouse=http://127.0.0.1:18123/fleet",
                           "--sink-spool-size", "64M"};
    CliRequest r = parse_cli(6, watch);
    ASSERT_TRUE(r.watch.capture.clickhouse);
    EXPECT_EQ(r.watch.capture.clickhouse->database, "fleet");
    EXPECT_EQ(r.watch.capture.clickhouse_spool_bytes, 64u << 20);

    auto refused = [](std::vector<const char*> argv) {
        try {
            parse_cli(static_cast<int>(argv.size()), argv.data());
        } catch (const CliExit& e) {
            return e.text;
        }
        return std::string("accepted");
    };
    EXPECT_NE(refused({"egresswatch", "watch", "--sink", "http://127.0.0.1:8123"}).find("is not clickhouse=URL"),
              std::string::npos);
    EXPECT_NE(refused({"egresswatch", "watch", "--sink-spool-size", "1G"}).find("requires --sink"), std::string::npos);
    EXPECT_NE(refused({"egresswatch", "watch", "--sink", "clickhouse=http://h", "--sink-spool-size", "lots"})
                  .find("is not a size"),
              std::string::npos);

    const char* report[] = {"egresswatch", "report",     "--from",  "clickhouse=http://127.0.0.1:18123",
                            "--since",     "7d",         "--where", "host=runner-1",
                            "--where",     "image=nginx"};
    CliRequest rr = parse_cli(10, report);
    ASSERT_TRUE(rr.report.from);
    EXPECT_EQ(rr.report.fleet.since, std::chrono::seconds(7 * 86400));
    ASSERT_EQ(rr.report.fleet.where.size(), 2u);
    EXPECT_EQ(rr.report.fleet.where[1].key, "image");
    EXPECT_NE(refused({"egresswatch", "report"}).find("give an events.jsonl, or --from"), std::string::npos);
    EXPECT_NE(refused({"egresswatch", "report", "--from", "clickhouse=http://h", "--where", "pid=1"})
                  .find("'pid' is not a key --where knows (host, image, cgroup)"),
              std::string::npos);
    EXPECT_NE(refused({"egresswatch", "report", "e.jsonl", "--since", "1d"}).find("requires --from"),
              std::string::npos);
    EXPECT_NE(refused({"egresswatch", "report", "e.jsonl", "--from", "clickhouse=http://h"}).find("excludes"),
              std::string::npos);
}

TEST(EventRows, ColumnsComeFromTheRecordAndTheRecordIsTheLine) {
    ContainerInfo c;
    c.id = "abc123";
    c.name = "web";
    c.image = "docker.io/library/nginx:1.25";
    c.pod = PodInfo{"shop", "web-1", "uid-1", "nginx", PodQos::burstable};
    ProcessRef p = test::process(7, "curl", "/usr/bin/curl");
    p.container = c;
    p.cgroup = "/kubepods/pod1/abc123";
    ConnectionRecord r =
        test::named(test::connection(SockEventKind::connect, 1, "198.18.0.2", 443, 6, p), "mirror.example", "tls_sni");
    Json j = to_json(r);
    std::string line = j.dump();
    Json row = Json::parse(event_row(j, line, RowTag{"runner-1", "s1"}, 42));
    EXPECT_EQ(row["host"], "runner-1");
    EXPECT_EQ(row["session"], "s1");
    EXPECT_EQ(row["seq"], 42);
    EXPECT_EQ(row["type"], "connect");
    EXPECT_EQ(row["ts_ns"], test::kT0 + 1'000'000);
    EXPECT_EQ(row["time"], test::kT0 / 1'000'000'000);
    EXPECT_EQ(row["pid"], 7);
    EXPECT_EQ(row["exe"], "/usr/bin/curl");
    EXPECT_EQ(row["cgroup"], "/kubepods/pod1/abc123");
    EXPECT_EQ(row["container_name"], "web");
    EXPECT_EQ(row["image"], "docker.io/library/nginx:1.25");
    EXPECT_EQ(row["pod_namespace"], "shop");
    EXPECT_EQ(row["pod_name"], "web-1");
    EXPECT_EQ(row["daddr"], "198.18.0.2");
    EXPECT_EQ(row["dport"], 443);
    EXPECT_EQ(row["proto"], "tcp");
    EXPECT_EQ(row["name"], "mirror.example");
    EXPECT_EQ(row["record"], line);
    // Every column the row has is one the table has, and no other.
    std::string table = schema_statements(target_of("http://h"))[1];
    for (const auto& [column, value] : row.items())
        EXPECT_TRUE(table.find(" " + column + " ") != std::string::npos ||
                    table.find("(" + column + " ") != std::string::npos)
            << column;
    EXPECT_EQ(new_session_id().size(), 16u);
    EXPECT_NE(new_session_id(), new_session_id());
}

TEST(FleetQuery, ConditionsAreQuotedAndSessionsKeepTheirAccountLines) {
    EXPECT_EQ(sql_string("it's a \\ path"), "'it\\'s a \\\\ path'");
    FleetFilter filter;
    filter.since = std::chrono::seconds(3600);
    std::string error;
    for (const char* text : {"host=a", "host=b'; DROP TABLE x; --", "image=nginx", "cgroup=/system.slice/"})
        filter.where.push_back(*parse_fleet_condition(text, error));
    std::string sql = fleet_select(target_of("http://h/fleet"), filter);
    EXPECT_NE(sql.find("host = 'a' OR host = 'b\\'; DROP TABLE x; --'"), std::string::npos) << sql;
    EXPECT_NE(sql.find("startsWith(image, 'nginx:')"), std::string::npos) << sql;
    EXPECT_NE(sql.find("startsWith(cgroup, '/system.slice/')"), std::string::npos) << sql;
    EXPECT_NE(sql.find("time >= now() - 3600"), std::string::npos) << sql;
    EXPECT_NE(sql.find("type IN ('start', 'lost', 'stop')"), std::string::npos) << sql;
    EXPECT_NE(sql.find("ORDER BY host, session, seq FORMAT TabSeparatedRaw"), std::string::npos) << sql;
    EXPECT_FALSE(parse_fleet_condition("host", error));
    EXPECT_FALSE(parse_fleet_condition("host=", error));
    EXPECT_FALSE(parse_fleet_condition("=x", error));
}

TEST(Spool, KeepsOrderHoldsItsBoundAndIsTakenUpAgain) {
    std::string dir = test::make_temp_dir("ew-spool") + "/spool";
    {
        Spool spool(dir, 100);
        EXPECT_EQ(spool.push("a\nb\n", 2), Spool::Push::kept);
        EXPECT_EQ(spool.push(std::string(99, 'x') + "\n", 1), Spool::Push::full) << "past the bound";
        EXPECT_EQ(spool.push("c\n", 1), Spool::Push::kept);
        EXPECT_EQ(spool.rows(), 3u);
        EXPECT_EQ(spool.bytes(), 6u);
    }
    std::ofstream(dir + "/0000000000000009-5.rows.part") << "cut";  // what a crash mid-write leaves
    Spool again(dir, 100);
    EXPECT_FALSE(fs::exists(dir + "/0000000000000009-5.rows.part"));
    ASSERT_EQ(again.batches(), 2u);
    EXPECT_EQ(again.rows(), 3u);
    std::string error;
    EXPECT_EQ(again.front(error).text, "a\nb\n");
    EXPECT_EQ(again.front(error).rows, 2u);
    again.pop();
    EXPECT_EQ(again.push("d\n", 1), Spool::Push::kept) << "numbered after what was there";
    EXPECT_EQ(again.front(error).text, "c\n");
    again.pop();
    EXPECT_EQ(again.front(error).text, "d\n");
    // A file that is not what was written (cut short) is not sent; its rows are still known.
    EXPECT_EQ(again.push("e\nf\n", 2), Spool::Push::kept);
    for (const auto& f : fs::directory_iterator(dir))
        if (f.path().string().ends_with("-2.rows")) fs::resize_file(f.path(), 1);
    again.pop();
    Spool::Batch cut = again.front(error);
    EXPECT_FALSE(cut.text);
    EXPECT_EQ(cut.rows, 2u);
    EXPECT_NE(error.find("not the size it was written at"), std::string::npos) << error;
    again.pop();
    EXPECT_TRUE(again.empty());
    EXPECT_EQ(again.bytes(), 0u);
    fs::remove_all(fs::path(dir).parent_path());
}

// A fleet's sessions read one after another: loss adds up over sessions (each one's lines are
// cumulative), and each destination names the hosts that reached it.
TEST(FleetReport, SessionsAddUpAndDestinationsNameTheirHosts) {
    Aggregator agg;
    auto play = [&](const char* host, std::uint64_t lost) {
        SessionStart start;
        start.ts_ns = test::kT0;
        start.mode = "watch";
        start.hostname = host;
        agg.on_start(start);
        ProcessRef curl = test::process(1, "curl", "/usr/bin/curl");
        agg.on_connection(test::named(test::connection(SockEventKind::connect, 1, "198.18.0.2", 443, 6, curl),
                                      "mirror.example", "tls_sni"));
        if (std::string(host) == "runner-2")
            agg.on_connection(test::connection(SockEventKind::connect, 2, "198.18.0.9", 80, 6, curl));
        agg.on_loss(LossRecord{test::kT0, {{"ringbuf_full", lost / 2}}});
        agg.on_loss(LossRecord{test::kT0, {{"ringbuf_full", lost}}});
    };
    play("runner-1", 4);
    std::ostringstream one_host;
    write_allowlist(one_host, agg, ReportOptions{ScopeFilter::all, test::kT0});
    EXPECT_EQ(one_host.str().find("seen_on"), std::string::npos) << "a one-host report reads as before";
    play("runner-2", 6);
    agg.on_stop(SessionStop{test::kT0, std::nullopt});
    EXPECT_EQ(agg.sessions(), 2u);
    EXPECT_EQ(agg.sessions_stopped(), 1u);
    EXPECT_EQ(agg.hosts(), (std::vector<std::string>{"runner-1", "runner-2"}));
    EXPECT_EQ(agg.loss().reasons.at("ringbuf_full"), 10u) << "4 + 6: each session's largest, summed";

    std::ostringstream yaml, report;
    write_allowlist(yaml, agg, ReportOptions{ScopeFilter::all, test::kT0});
    EXPECT_NE(yaml.str().find("  - host: mirror.example\n    addresses:\n      - 198.18.0.2\n    port: 443\n"
                              "    proto: tcp\n    scope: benchmark\n    processes:\n      - /usr/bin/curl\n"
                              "    seen_on:\n      - runner-1\n      - runner-2\n"),
              std::string::npos)
        << yaml.str();
    EXPECT_NE(yaml.str().find("      - 198.18.0.9\n    port: 80\n    proto: tcp\n    scope: benchmark\n    processes:\n"
                              "      - /usr/bin/curl\n    seen_on:\n      - runner-2\n"),
              std::string::npos)
        << yaml.str();
    // It reads back, and merging with another host's unites the hosts.
    Allowlist read = parse_allowlist(yaml.str(), "fleet.yaml");
    ASSERT_EQ(read.destinations.size(), 2u);
    EXPECT_EQ(read.destinations[1].seen_on, (std::vector<std::string>{"runner-1", "runner-2"}));
    Allowlist other = read;
    other.destinations[1].seen_on = {"runner-0"};
    Allowlist merged = merge_allowlists({{read, "a.yaml"}, {other, "b.yaml"}});
    EXPECT_EQ(merged.destinations[1].seen_on, (std::vector<std::string>{"runner-0", "runner-1", "runner-2"}));
    write_report(report, agg, ReportOptions{ScopeFilter::all, test::kT0});
    Json doc = Json::parse(report.str());
    EXPECT_EQ(doc["session"]["sessions"], 2);
    EXPECT_EQ(doc["session"]["hosts"], Json({"runner-1", "runner-2"}));
    EXPECT_EQ(doc["counters"]["lost"]["total"], 10);
}

class ClickHouseSinkTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = test::make_temp_dir("ew-clickhouse");
        server_ = std::make_unique<test::ClickHouseServer>(dir_);
    }
    void TearDown() override {
        server_.reset();
        fs::remove_all(dir_);
    }
    ClickHouseSinkOptions options(const std::string& host) {
        ClickHouseSinkOptions o;
        o.target = target_of(server_->url() + "/fleet");
        o.tag = RowTag{host, new_session_id()};
        o.spool_dir = dir_ + "/spool";
        o.batch_age = std::chrono::milliseconds(0);  // every pipeline batch its own insert
        return o;
    }
    std::vector<std::string> stored_lines(const FleetFilter& filter = {}) {
        std::string out = server_->query(fleet_select(target_of(server_->url() + "/fleet"), filter));
        EXPECT_FALSE(out.starts_with("ERROR")) << out;
        return test::lines_of(out);
    }

    std::string dir_;
    std::unique_ptr<test::ClickHouseServer> server_;
};

TEST_F(ClickHouseSinkTest, EveryRecordIsARowAndReadsBackAsTheSameLine) {
    ASSERT_EQ(server_->start(), "");
    {
        ClickHouseSink sink(options("runner-1"));
        test::play_fixture_session(sink);
        sink.finish(std::chrono::seconds(30));
        EXPECT_EQ(sink.status().rows_waiting, 0u);
        EXPECT_EQ(sink.status().rows_sent, fixture_lines().size());
        EXPECT_TRUE(sink.lost().empty());
    }
    EXPECT_EQ(server_->query("SELECT count(), uniqExact(seq), min(seq), max(seq) FROM fleet.egresswatch_events"),
              std::to_string(fixture_lines().size()) + "\t" + std::to_string(fixture_lines().size()) + "\t1\t" +
                  std::to_string(fixture_lines().size()) + "\n");
    EXPECT_EQ(stored_lines(), fixture_lines()) << "the same lines, in the same order, as events.jsonl has";
    EXPECT_EQ(server_->query("SELECT DISTINCT host FROM fleet.egresswatch_events"), "runner-1\n");
    EXPECT_TRUE(fs::is_empty(dir_ + "/spool"));
}

TEST_F(ClickHouseSinkTest, RowsWaitInTheSpoolWhileTheServerIsDownAndGoInOrderWhenItIsBack) {
    std::uint64_t first_session_rows = 0;
    {
        ClickHouseSink sink(options("runner-1"));  // no server yet
        test::play_fixture_session(sink);
        sink.finish(std::chrono::milliseconds(500));
        first_session_rows = sink.status().rows_waiting;
        EXPECT_EQ(first_session_rows, fixture_lines().size()) << "nothing sent, nothing lost: all of it waits";
        EXPECT_EQ(sink.status().rows_sent, 0u);
        EXPECT_TRUE(sink.lost().empty());
    }
    EXPECT_FALSE(fs::is_empty(dir_ + "/spool"));
    ASSERT_EQ(server_->start(), "");
    {
        // A new session on the same spool sends what the last one left, then its own.
        ClickHouseSink sink(options("runner-1"));
        test::play_fixture_session(sink);
        sink.finish(std::chrono::seconds(30));
        EXPECT_EQ(sink.status().rows_sent, 2 * fixture_lines().size());
        EXPECT_EQ(sink.status().rows_waiting, 0u);
    }
    std::vector<std::string> expected = fixture_lines();
    std::vector<std::string> twice = expected;
    twice.insert(twice.end(), expected.begin(), expected.end());
    std::vector<std::string> stored = stored_lines();
    // Ordered by session id, which is random: compare as two runs of the fixture.
    EXPECT_EQ(stored, twice);
    EXPECT_EQ(server_->query("SELECT count(DISTINCT session) FROM fleet.egresswatch_events"), "2\n");
}

TEST_F(ClickHouseSinkTest, WhatTheSpoolCannotHoldIsCountedAsLost) {
    ClickHouseSinkOptions o = options("runner-1");
    std::uint64_t one_batch = 0;
    {
        ClickHouseSink sink(o);  // no server: the session's one batch goes to the spool
        test::play_fixture_session(sink);
        sink.finish(std::chrono::milliseconds(200));
        one_batch = sink.status().spool_bytes;
    }
    ASSERT_GT(one_batch, 0u);
    fs::remove_all(o.spool_dir);
    o.spool_bytes = one_batch + one_batch / 2;
    ClickHouseSink sink(o);
    test::play_fixture_session(sink);  // each session's stop hands its batch over
    test::play_fixture_session(sink);
    sink.finish(std::chrono::milliseconds(200));
    auto lost = sink.lost();
    EXPECT_EQ(lost["clickhouse_spool_full"], fixture_lines().size()) << "the second batch did not fit";
    EXPECT_EQ(sink.status().rows_waiting, fixture_lines().size()) << "the first waits";
    EXPECT_EQ(lost.size(), 1u);
}

// The questions docs/clickhouse.md answers in SQL run on the server the project supports (the
// oldest: Debian's 18.16), over rows the sink wrote.
TEST_F(ClickHouseSinkTest, TheDocumentedQueriesRun) {
    ASSERT_EQ(server_->start(), "");
    {
        ClickHouseSink sink(options("runner-1"));
        test::play_fixture_session(sink);
        sink.finish(std::chrono::seconds(30));
    }
    std::string doc = test::read_text(std::string(DOCS_DIR) + "/clickhouse.md");
    int ran = 0;
    for (std::size_t at = 0; (at = doc.find("```sql\n", at)) != std::string::npos;) {
        at += 7;
        std::string sql = doc.substr(at, doc.find("```", at) - at);
        if (sql.starts_with("ALTER")) continue;  // retention: not on the test's data
        for (std::size_t p; (p = sql.find("egress.egresswatch_events")) != std::string::npos;)
            sql.replace(p, 6, "fleet");
        while (!sql.empty() && (sql.back() == '\n' || sql.back() == ';')) sql.pop_back();
        std::string answer = server_->query(sql);
        EXPECT_FALSE(answer.starts_with("ERROR")) << sql << "\n" << answer;
        ++ran;
    }
    EXPECT_GE(ran, 5);
    // And they answer what they say: mirror.example was reached by runner-1's curl.
    EXPECT_NE(server_->query("SELECT DISTINCT host, exe FROM fleet.egresswatch_events WHERE name = 'mirror.example'"),
              "");
}

// A table that is not egresswatch's (here: one without the `name` column) refuses every insert:
// each batch is tried a few times, then dropped and counted, so later ones are not held up.
TEST_F(ClickHouseSinkTest, ABatchTheServerKeepsRefusingIsCountedAsRejected) {
    ASSERT_EQ(server_->start(), "");
    ASSERT_EQ(server_->query("CREATE DATABASE fleet"), "");
    ASSERT_EQ(server_->query("CREATE TABLE fleet.egresswatch_events (host String, session String, seq UInt64, "
                             "time DateTime, record String) ENGINE = MergeTree() ORDER BY (host, session, seq)"),
              "");
    ClickHouseSink sink(options("runner-1"));
    test::play_fixture_session(sink);
    sink.finish(std::chrono::seconds(30));
    EXPECT_EQ(sink.lost()["clickhouse_rejected"], fixture_lines().size());
    EXPECT_EQ(sink.status().rows_waiting, 0u);
    EXPECT_EQ(sink.status().rows_sent, 0u);
    EXPECT_EQ(server_->query("SELECT count() FROM fleet.egresswatch_events"), "0\n");
}
