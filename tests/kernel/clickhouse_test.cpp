// --sink clickhouse=URL with a real watch, real curl and a real ClickHouse (Debian's
// clickhouse-server, on loopback): every record of events.jsonl is a row, in the same order,
// even when the server is stopped mid-watch and started again; and report --from clickhouse
// over two hosts (two watches in UTS namespaces of their own, each with its own host name)
// gives the union allowlist, each entry naming the hosts that reached it.
#include <chrono>
#include <thread>

#include "common/clickhouse_server.h"
#include "watch_run.h"

using namespace egresswatch::test;
using namespace std::chrono_literals;

namespace {

const std::string kCurl = "curl -4 -sS -m 5 -o /dev/null ";

class ClickHouse : public WatchRun {
protected:
    void SetUp() override {
        WatchRun::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        server_ = std::make_unique<ClickHouseServer>(make_temp_dir("ew-clickhouse-"));
        ASSERT_EQ(server_->start(), "");
        sink_ = "clickhouse=" + server_->url() + "/fleet";
    }
    void TearDown() override {
        stop_watch();
        server_.reset();
        WatchRun::TearDown();
    }
    std::string rows(const std::string& sql) { return server_->query(sql); }
    // The record column, a session after another, as report --from reads it.
    std::vector<std::string> stored_records() {
        return lines_of(rows("SELECT record FROM fleet.egresswatch_events ORDER BY host, session, seq FORMAT "
                             "TabSeparatedRaw"));
    }
    // A watch that believes its host is `name` (a UTS namespace of its own).
    std::vector<std::string> as_host(const std::string& name) {
        return {"/usr/bin/unshare", "--uts", "/bin/sh", "-c", "hostname " + name + " && exec \"$0\" \"$@\""};
    }

    std::unique_ptr<ClickHouseServer> server_;
    std::string sink_;
};

}  // namespace

TEST_F(ClickHouse, EveryRecordIsARowInOrderThoughTheServerWasAwayMidWatch) {
    start_watch({"--sink", sink_});
    ASSERT_FALSE(HasFatalFailure());
    EXPECT_EQ(client(kCurl + "http://mirror.test/ && " + kCurl + "http://api.test/").exit_code, 0);
    // Sent within its batch interval (1 s).
    for (int i = 0; i < 100 && rows("SELECT count() FROM fleet.egresswatch_events WHERE name = 'api.test'") != "1\n";
         ++i)
        std::this_thread::sleep_for(100ms);
    ASSERT_NE(rows("SELECT count() FROM fleet.egresswatch_events WHERE name = 'api.test'"), "0\n") << watch_err();

    server_->stop();
    EXPECT_EQ(client(kCurl + "http://secure.test/ && " + kCurl + "http://www.mirror.test/").exit_code, 0);
    // The batch that fails goes to the spool on disk.
    bool spooled = false;
    for (int i = 0; i < 100 && !spooled; ++i) {
        std::this_thread::sleep_for(100ms);
        std::error_code ec;
        spooled = fs::exists(out_dir_ + "/clickhouse-spool") && !fs::is_empty(out_dir_ + "/clickhouse-spool", ec);
    }
    EXPECT_TRUE(spooled) << watch_err();
    EXPECT_NE(watch_err().find("rows wait in"), std::string::npos) << watch_err();

    ASSERT_EQ(server_->start(), "");
    EXPECT_EQ(client(kCurl + "http://mirror.test/again").exit_code, 0);
    EXPECT_EQ(stop_watch(), 0) << watch_err();

    // All of events.jsonl, line for line, in order; nothing waits, nothing was lost.
    std::vector<std::string> events = lines_of(read_text(out_dir_ + "/events.jsonl"));
    ASSERT_GT(events.size(), 10u);
    EXPECT_EQ(stored_records(), events);
    EXPECT_EQ(rows("SELECT count(), uniqExact(seq), max(seq) FROM fleet.egresswatch_events"),
              std::to_string(events.size()) + "\t" + std::to_string(events.size()) + "\t" +
                  std::to_string(events.size()) + "\n");
    EXPECT_EQ(read_text(out_dir_ + "/events.jsonl").find("clickhouse_"), std::string::npos)
        << "no loss reason of the sink";
    EXPECT_TRUE(fs::is_empty(out_dir_ + "/clickhouse-spool"));
    EXPECT_NE(watch_err().find("takes rows again"), std::string::npos) << watch_err();
    for (const char* name : {"mirror.test", "api.test", "secure.test", "www.mirror.test"})
        EXPECT_NE(rows(std::string("SELECT count() FROM fleet.egresswatch_events WHERE type = 'http' AND name = '") +
                       name + "'"),
                  "0\n")
            << name;
}

TEST_F(ClickHouse, ReportFromTwoHostsIsTheUnionAllowlistWithBothHostsAsProvenance) {
    std::string base_out = out_dir_;
    out_dir_ = base_out + "-a";
    start_watch({"--sink", sink_}, as_host("runner-a"));
    ASSERT_FALSE(HasFatalFailure());
    EXPECT_EQ(client(kCurl + "http://mirror.test/").exit_code, 0);
    EXPECT_EQ(stop_watch(), 0) << watch_err();
    out_dir_ = base_out + "-b";
    start_watch({"--sink", sink_}, as_host("runner-b"));
    ASSERT_FALSE(HasFatalFailure());
    EXPECT_EQ(client(kCurl + "http://mirror.test/ && " + kCurl + "http://api.test/").exit_code, 0);
    EXPECT_EQ(stop_watch(), 0) << watch_err();
    EXPECT_EQ(rows("SELECT DISTINCT host FROM fleet.egresswatch_events ORDER BY host"), "runner-a\nrunner-b\n");

    std::string fleet = dir_ + "/fleet";
    CommandResult r = run_command({EGRESSWATCH_BINARY, "report", "--quiet", "--from", sink_, "--out", fleet});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::string allowlist = read_text(fleet + "/allowlist.yaml");
    EXPECT_NE(allowlist.find("host: mirror.test\n"), std::string::npos) << allowlist;
    EXPECT_NE(allowlist.find("seen_on:\n      - runner-a\n      - runner-b\n"), std::string::npos) << allowlist;
    EXPECT_NE(allowlist.find("host: api.test\n"), std::string::npos) << allowlist;
    EXPECT_NE(allowlist.find("seen_on:\n      - runner-b\n"), std::string::npos) << allowlist;
    auto report = nlohmann::json::parse(read_text(fleet + "/report.json"));
    EXPECT_EQ(report["session"]["sessions"], 2);
    EXPECT_EQ(report["session"]["hosts"], nlohmann::json({"runner-a", "runner-b"}));

    // The same allowlist as merging the two hosts' own: the same aggregator, over both.
    CommandResult merged = run_command(
        {EGRESSWATCH_BINARY, "allowlist", "diff", base_out + "-b/allowlist.yaml", fleet + "/allowlist.yaml"});
    EXPECT_EQ(merged.exit_code, 0) << "runner-b reached all runner-a did: " << merged.out << merged.err;

    // One host's: what it reached, without provenance (one host).
    CommandResult one = run_command({EGRESSWATCH_BINARY, "report", "--quiet", "--from", sink_, "--where",
                                     "host=runner-a", "--since", "1h", "--out", dir_ + "/one"});
    ASSERT_EQ(one.exit_code, 0) << one.err;
    std::string one_allowlist = read_text(dir_ + "/one/allowlist.yaml");
    EXPECT_NE(one_allowlist.find("host: mirror.test\n"), std::string::npos) << one_allowlist;
    EXPECT_EQ(one_allowlist.find("api.test"), std::string::npos) << one_allowlist;
    EXPECT_EQ(one_allowlist.find("seen_on"), std::string::npos) << one_allowlist;

    // Nothing matches: one line that says so.
    CommandResult none =
        run_command({EGRESSWATCH_BINARY, "report", "--from", sink_, "--where", "host=nobody", "--out", dir_ + "/none"});
    EXPECT_EQ(none.exit_code, 2);
    EXPECT_NE(none.err.find("has no records that --since and --where select"), std::string::npos) << none.err;
    // No server there: one line that says so.
    CommandResult down =
        run_command({EGRESSWATCH_BINARY, "report", "--from",
                     "clickhouse=http://127.0.0.1:" + std::to_string(free_loopback_port()), "--out", dir_ + "/down"});
    EXPECT_EQ(down.exit_code, 2);
    EXPECT_EQ(lines_of(down.err).size(), 1u) << down.err;
    EXPECT_NE(down.err.find("ClickHouse http://127.0.0.1:"), std::string::npos) << down.err;
}
