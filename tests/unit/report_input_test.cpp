// `egresswatch report` reads events.jsonl as untrusted input: values out of range are refused
// with their line, a line is never read past a bound, and a session cut short says so.
#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/subprocess.h"
#include "report/jsonl.h"
#include "report/report.h"
#include "report_text.h"
#include "session_fixture.h"

using namespace egresswatch;
namespace fs = std::filesystem;

namespace {

const std::string kStart = "{\"type\":\"start\",\"ts\":\"2026-11-22T00:00:00Z\",\"mode\":\"run\"}\n";
const std::string kConnect =
    "{\"type\":\"connect\",\"ts\":\"2026-11-22T00:00:01Z\",\"proto\":\"tcp\",\"daddr\":\"198.18.0.2\","
    "\"dport\":443,\"pid\":5}\n";

// "LINE: error" for a file of kStart and `line`, or "" when it was accepted.
std::string error_for(const std::string& line) {
    std::istringstream events(kStart + line + "\n");
    Aggregator agg;
    ReplayResult r = replay_jsonl(events, agg);
    return r.first_bad_line ? std::to_string(r.first_bad_line) + ": " + r.error : "";
}

// kConnect with `field` set to `value`.
std::string connect_with(const std::string& field, const std::string& value) {
    std::string line = kConnect.substr(0, kConnect.size() - 2);  // without "}\n"
    std::size_t at = line.find("\"" + field + "\":");
    if (at == std::string::npos) return line + ",\"" + field + "\":" + value + "}";
    std::size_t end = std::min(line.find(',', line.find(':', at)), line.size());
    return line.substr(0, at) + "\"" + field + "\":" + value + line.substr(end) + "}";
}

test::CommandResult egresswatch_cmd(std::vector<std::string> args) {
    args.insert(args.begin(), EGRESSWATCH_BINARY);
    return test::run_command(args);
}

}  // namespace

TEST(ReportInput, NumbersOutOfTheirRangeAreRefusedNotWrapped) {
    EXPECT_EQ(error_for(connect_with("dport", "70000")), "2: \"dport\" 70000 is out of range 0-65535");
    EXPECT_EQ(error_for(connect_with("dport", "-5")), "2: \"dport\" -5 is out of range 0-65535");
    EXPECT_EQ(error_for(connect_with("dport", "80.5")), "2: \"dport\" must be a whole number, not 80.5");
    EXPECT_EQ(error_for(connect_with("dport", "\"80\"")), "2: \"dport\" must be a whole number, not a string");
    EXPECT_EQ(error_for(connect_with("pid", "5000000")), "2: \"pid\" 5000000 is out of range 0-4194304");
    EXPECT_EQ(error_for(connect_with("uid", "-1")), "2: \"uid\" -1 is out of range 0-4294967295");
    EXPECT_EQ(error_for(connect_with("cookie", "-1")), "2: \"cookie\" -1 is out of range 0-18446744073709551615");
    EXPECT_EQ(error_for(connect_with("ancestry", "[{\"pid\":-2}]")), "2: \"pid\" -2 is out of range 0-4194304");
    EXPECT_EQ(error_for(connect_with("ancestry", "[7]")), "2: \"ancestry\" must list objects, not 7");
    EXPECT_EQ(error_for(connect_with("ts", "\"2026-13-45T00:00:00Z\"")), "2: \"ts\" is not an RFC 3339 timestamp");
    EXPECT_EQ(error_for("{\"type\":\"lost\",\"ts\":\"2026-11-22T00:00:01Z\",\"reasons\":{\"dedup_full\":-3}}"),
              "2: \"dedup_full\" -3 is out of range 0-18446744073709551615");
    EXPECT_EQ(error_for("{\"type\":\"stop\",\"ts\":\"2026-11-22T00:00:01Z\",\"exit_code\":300}"),
              "2: \"exit_code\" 300 is out of range 0-255");
    EXPECT_EQ(error_for(connect_with("dport", "65535")), "") << "the edge of the range is in it";
    EXPECT_EQ(error_for(connect_with("dport", "0")), "");
}

TEST(ReportInput, ALineOverTheBoundIsRefusedWithoutReadingItWhole) {
    std::string huge(4 << 20, 'x');  // 4 MiB, no '\n'
    std::istringstream events(kStart + huge + "\n" + kConnect);
    Aggregator agg;
    ReplayResult r = replay_jsonl(events, agg, 100'000);
    EXPECT_EQ(r.first_bad_line, 2u);
    EXPECT_NE(r.error.find("longer than 100000 bytes"), std::string::npos) << r.error;
    events.clear();
    EXPECT_LT(static_cast<std::size_t>(events.tellg()), 300'000u) << "read on past the bound";
}

TEST(ReportInput, ACutLastLineIsLeftOutAndNamed) {
    std::istringstream cut(kStart + kConnect + "{\"type\":\"connect\",\"ts\":\"2026-11-2");
    Aggregator agg;
    ReplayResult r = replay_jsonl(cut, agg);
    EXPECT_EQ(r.first_bad_line, 0u) << r.error;
    EXPECT_EQ(r.cut_last_line, 3u);
    EXPECT_EQ(agg.counts().connect, 1u);
    // With its '\n', the same text was written whole: it is an error, not a cut.
    std::istringstream bad(kStart + "{\"type\":\"connect\",\"ts\":\"2026-11-2\n" + kConnect);
    Aggregator again;
    EXPECT_EQ(replay_jsonl(bad, again).first_bad_line, 2u);
}

TEST(ReportInput, ASessionWithoutItsStopRecordIsReportedIncomplete) {
    std::istringstream killed(kStart + kConnect);
    Aggregator agg;
    replay_jsonl(killed, agg);
    EXPECT_EQ(test::report_of(agg, {ScopeFilter::all, test::kT0})["session"]["complete"], false);
    EXPECT_NE(test::summary_text(agg, ScopeFilter::all).find("Incomplete: the session has no stop record"),
              std::string::npos);
    Aggregator whole;
    test::play_fixture_session(whole);
    EXPECT_EQ(test::report_of(whole, {ScopeFilter::all, test::kT0})["session"]["complete"], true);
    EXPECT_EQ(test::summary_text(whole, ScopeFilter::all).find("Incomplete"), std::string::npos);
}

TEST(ReportInput, WhatIsNotARegularFileIsRefused) {
    std::string dir = test::make_temp_dir("ew-notfile-");
    ASSERT_EQ(mkfifo((dir + "/fifo").c_str(), 0600), 0);
    for (const std::string& path : {dir, std::string("/dev/zero"), dir + "/fifo"}) {
        auto r = egresswatch_cmd({"report", "--out", dir + "/out", path});
        EXPECT_EQ(r.exit_code, 2) << path << ": " << r.err;
        EXPECT_EQ(test::lines_of(r.err).size(), 1u) << r.err;
        EXPECT_NE(r.err.find(path == dir ? "is a directory: give the events file in it"
                                         : "is not a regular file: give an events.jsonl"),
                  std::string::npos)
            << r.err;
    }
    EXPECT_FALSE(fs::exists(dir + "/out/report.json"));
    fs::remove_all(dir);
}

// A run killed mid-line: the lines before the cut are used, and both the cut and the missing
// stop record are said, instead of a report that looks complete.
TEST(ReportInput, AKilledRunIsSalvagedAndSaidToBeIncomplete) {
    std::string dir = test::make_temp_dir("ew-killed-");
    std::ofstream(dir + "/events.jsonl") << kStart << kConnect << "{\"type\":\"connect\",\"ts\":\"2026";
    auto r = egresswatch_cmd({"report", dir + "/events.jsonl"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("events.jsonl:3: the last line is cut short"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("events.jsonl has no stop record"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("Incomplete: the session has no stop record"), std::string::npos) << r.err;
    auto report = Json::parse(test::read_text(dir + "/report.json"));
    EXPECT_EQ(report["session"]["complete"], false);
    EXPECT_EQ(report["counters"]["events"]["connect"], 1);
    fs::remove_all(dir);
}

// Bounded memory: the reported 300 MB line took 1.9 GB. A sparse file reads back as zeros.
TEST(ReportInput, AHugeLineIsRefusedQuicklyInBoundedMemory) {
    std::string dir = test::make_temp_dir("ew-huge-");
    std::string path = dir + "/events.jsonl";
    { std::ofstream(path) << kStart; }
    fs::resize_file(path, 300u << 20);
    auto started = std::chrono::steady_clock::now();
    auto r = egresswatch_cmd({"report", "--out", dir + "/out", path});
    auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("events.jsonl:2: the line is longer than 64 MiB"), std::string::npos) << r.err;
    EXPECT_LT(took, std::chrono::seconds(5));
    rusage children{};
    getrusage(RUSAGE_CHILDREN, &children);
    EXPECT_LT(children.ru_maxrss, 160 * 1024) << "KiB at the peak";
    fs::remove_all(dir);
}

// A disk that fills while report.json is written: no half-written temporary file is left, the
// allowlist is still written, and one line says which file was not.
TEST(ReportInput, AResultThatCannotBeWrittenIsNamedAndLeavesNoTemporaryFile) {
    std::string dir = test::make_temp_dir("ew-fsize-");
    {
        std::ofstream events(dir + "/events.jsonl");
        JsonlWriter writer(events);
        test::play_fixture_session(writer);
    }
    // 2 blocks of 512 bytes: the fixture's report.json is larger, its allowlist.yaml smaller.
    auto r = test::sh("trap '' XFSZ; ulimit -f 2; exec " + std::string(EGRESSWATCH_BINARY) + " report -q --out " + dir +
                      "/out " + dir + "/events.jsonl");
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(test::lines_of(r.err).size(), 1u) << r.err;
    EXPECT_NE(r.err.find("not written: " + dir + "/out/report.json (File too large)"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir + "/out/report.json.tmp"));
    EXPECT_FALSE(fs::exists(dir + "/out/report.json"));
    EXPECT_NE(test::read_text(dir + "/out/allowlist.yaml").find("destinations:"), std::string::npos);
    fs::remove_all(dir);
}
