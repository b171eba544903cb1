// The real binary, for what needs neither root nor a kernel: argument errors and the
// offline `report` command.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/subprocess.h"
#include "report/jsonl.h"
#include "session_fixture.h"

using namespace egresswatch;
namespace fs = std::filesystem;

namespace {
test::CommandResult egresswatch_cmd(std::vector<std::string> args) {
    args.insert(args.begin(), EGRESSWATCH_BINARY);
    return test::run_command(args);
}

std::size_t line_count(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }
}  // namespace

TEST(CliBinary, MissingCommandIsOneLineExitTwo) {
    auto r = egresswatch_cmd({"run", "--out", "/tmp/ew-never", "--", "no-such-command-egresswatch"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(line_count(r.err), 1u) << r.err;
    EXPECT_NE(r.err.find("command not found"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("no-such-command-egresswatch"), std::string::npos);
}

TEST(CliBinary, UnwritableOutIsOneLineExitTwo) {
    auto r = egresswatch_cmd({"run", "--out", "/proc/egresswatch-cannot-exist", "--", "true"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(line_count(r.err), 1u) << r.err;
    EXPECT_NE(r.err.find("cannot write to --out /proc/egresswatch-cannot-exist"), std::string::npos) << r.err;
}

TEST(CliBinary, UsageErrorsExitTwo) {
    for (std::vector<std::string> args :
         {std::vector<std::string>{}, {"run"}, {"bogus"}, {"watch", "--duration", "x"}}) {
        auto r = egresswatch_cmd(args);
        EXPECT_EQ(r.exit_code, 2) << r.err;
        EXPECT_EQ(r.err.rfind("egresswatch: ", 0), 0u) << r.err;
    }
}

TEST(CliBinary, ReportRebuildsOutputsOfflineWithoutRoot) {
    std::string dir = test::make_temp_dir("ew-report-");
    {
        std::ofstream events(dir + "/events.jsonl");
        JsonlWriter writer(events);
        test::play_fixture_session(writer);
    }
    auto r = egresswatch_cmd({"report", dir + "/events.jsonl", "--out", dir + "/again"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("Reached the internet"), std::string::npos);
    auto report = Json::parse(test::read_text(dir + "/again/report.json"));
    EXPECT_EQ(report["destinations"].size(), 7u);
    EXPECT_EQ(report["counters"]["lost"]["total"], 2);
    // dns, tls and http lines are read back too: the endpoints come only from http lines.
    ASSERT_EQ(report["http_endpoints"].size(), 3u);
    EXPECT_EQ(report["http_endpoints"][1]["statuses"]["200"], 2);
    EXPECT_EQ(report["files"][0]["url"], "http://mirror.example/pool/main/x_1.0_amd64.deb");
    EXPECT_EQ(report["counters"]["events"]["dns"], 1);
    EXPECT_EQ(report["counters"]["events"]["tls"], 1);
    std::string allowlist = test::read_text(dir + "/again/allowlist.yaml");
    EXPECT_NE(allowlist.find("93.184.216.34"), std::string::npos);
    EXPECT_EQ(allowlist.find("127.0.0.1"), std::string::npos);
    fs::remove_all(dir);
}

TEST(CliBinary, ReportOnBadInputSaysWhere) {
    std::string dir = test::make_temp_dir("ew-report-");
    std::ofstream(dir + "/events.jsonl") << "{\"type\":\"start\",\"ts\":\"2026-11-22T00:00:00Z\"}\n{oops\n";
    auto r = egresswatch_cmd({"report", dir + "/events.jsonl"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("events.jsonl:2: not JSON"), std::string::npos) << r.err;
    auto missing = egresswatch_cmd({"report", dir + "/nope.jsonl"});
    EXPECT_EQ(missing.exit_code, 2);
    EXPECT_NE(missing.err.find("cannot read"), std::string::npos);
    fs::remove_all(dir);
}
