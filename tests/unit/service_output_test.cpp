// What a watch that runs as a service writes: events.jsonl and requests.log rotated by size and
// age into gzip segments with a bound on how many are kept (report/rotating_file.h), the alert
// state kept across restarts (alerts/alert_state.h), and the sizes and options that set them.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "alerts/alert_state.h"
#include "alerts/baseline_alerter.h"
#include "base/byte_size.h"
#include "base/errors.h"
#include "cli/options.h"
#include "cli/output_dir.h"
#include "common/subprocess.h"
#include "report/rotating_file.h"

using namespace egresswatch;
using namespace egresswatch::test;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> names_in(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

std::string gunzip(const std::string& path) {
    gzFile in = gzopen(path.c_str(), "rb");
    std::string out;
    char buf[4096];
    int n;
    while (in && (n = gzread(in, buf, sizeof(buf))) > 0) out.append(buf, static_cast<std::size_t>(n));
    if (in) gzclose(in);
    return out;
}

std::string read_all(const std::string& path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

CliRequest parse(std::vector<const char*> args) {
    args.insert(args.begin(), "egresswatch");
    return parse_cli(static_cast<int>(args.size()), args.data());
}

}  // namespace

TEST(ByteSize, UnitsAndMistakes) {
    EXPECT_EQ(parse_byte_size("1048576"), 1048576u);
    EXPECT_EQ(parse_byte_size("512K"), 512u << 10);
    EXPECT_EQ(parse_byte_size("100M"), 100u << 20);
    EXPECT_EQ(parse_byte_size("100MiB"), 100u << 20);
    EXPECT_EQ(parse_byte_size("2g"), 2ull << 30);
    std::string why;
    EXPECT_FALSE(parse_byte_size("0", &why));
    EXPECT_EQ(why, "it must be more than zero");
    EXPECT_FALSE(parse_byte_size("10X", &why));
    EXPECT_EQ(why, "the unit must be K, M, G or T");
    EXPECT_FALSE(parse_byte_size("M", &why));
    EXPECT_FALSE(parse_byte_size("99999999999T", &why));
}

// A batch that would pass the size starts a new file; the old one becomes a gzip segment with
// every line it held, and only `keep` segments stay.
TEST(RotatingFile, RotatesBySizeCompressesAndKeepsTheNewest) {
    std::string dir = make_temp_dir("ew-rotate-");
    auto t = std::chrono::system_clock::time_point(std::chrono::seconds(1'796'000'000));
    RotatingFile file;
    file.open(dir, "events.jsonl", RotationPolicy{120, {}, 2}, [&] { return t; });
    std::string all;
    for (int i = 0; i < 10; ++i) {
        std::string line = "{\"n\":" + std::to_string(i) + ",\"pad\":\"" + std::string(40, 'x') + "\"}\n";
        all += line;
        ASSERT_EQ(file.write(line), line.size());
        t += std::chrono::seconds(1);
    }
    file.settle();
    EXPECT_EQ(file.rotations(), 4u) << "two 57-byte lines a file";
    auto names = names_in(dir);
    ASSERT_EQ(names.size(), 3u) << testing::PrintToString(names);
    EXPECT_EQ(names[2], "events.jsonl");
    EXPECT_TRUE(names[0].starts_with("events-20261130T") && names[0].ends_with(".jsonl.gz")) << names[0];
    // The two newest segments and the live file hold the last six lines, in order.
    std::string kept = gunzip(dir + "/" + names[0]) + gunzip(dir + "/" + names[1]) + read_all(dir + "/events.jsonl");
    EXPECT_EQ(kept, all.substr(all.size() - kept.size()));
    EXPECT_EQ(std::count(kept.begin(), kept.end(), '\n'), 6);
    file.close();
    fs::remove_all(dir);
}

TEST(RotatingFile, RotatesByAgeAndNeverEmpty) {
    std::string dir = make_temp_dir("ew-rotate-");
    auto t = std::chrono::system_clock::time_point(std::chrono::seconds(1'796'000'000));
    RotatingFile file;
    file.open(dir, "requests.log", RotationPolicy{0, std::chrono::seconds(3600), 0}, [&] { return t; });
    t += std::chrono::hours(2);
    file.write("first\n");  // an empty file is not rotated, however old
    EXPECT_EQ(file.rotations(), 0u);
    t += std::chrono::hours(2);
    file.write("second\n");
    file.settle();
    EXPECT_EQ(file.rotations(), 1u);
    auto names = names_in(dir);
    ASSERT_EQ(names.size(), 2u);
    EXPECT_EQ(gunzip(dir + "/" + names[0]), "first\n");
    EXPECT_EQ(read_all(dir + "/requests.log"), "second\n");
    fs::remove_all(dir);
}

// SIGHUP after logrotate moved the file away: a new one is made; without a move, the same file
// is appended to, never emptied.
TEST(RotatingFile, ReopenAppends) {
    std::string dir = make_temp_dir("ew-rotate-");
    RotatingFile file;
    file.open(dir, "events.jsonl", RotationPolicy{});
    file.write("a\n");
    file.reopen();
    file.write("b\n");
    EXPECT_EQ(read_all(dir + "/events.jsonl"), "a\nb\n");
    fs::rename(dir + "/events.jsonl", dir + "/events.jsonl.1");
    file.reopen();
    file.write("c\n");
    EXPECT_EQ(read_all(dir + "/events.jsonl"), "c\n");
    EXPECT_EQ(read_all(dir + "/events.jsonl.1"), "a\nb\n");
    fs::remove_all(dir);
}

TEST(AlertState, RoundTripsAndRefusesWhatIsNotOne) {
    AlertState state{"/etc/egresswatch/baseline.yaml", {{"api.test", 443, 6}, {"198.18.0.9", 53, 17}}};
    std::ostringstream out;
    write_alert_state(out, state);
    std::string error;
    auto back = read_alert_state(out.str(), error);
    ASSERT_TRUE(back) << error;
    EXPECT_EQ(back->baseline, state.baseline);
    EXPECT_EQ(back->alerted, state.alerted);
    EXPECT_FALSE(read_alert_state("{", error));
    EXPECT_EQ(error, "not JSON");
    EXPECT_FALSE(read_alert_state(R"({"version":2,"alerted":[]})", error));
    EXPECT_NE(error.find("version 2"), std::string::npos);
    EXPECT_FALSE(
        read_alert_state(R"({"version":1,"alerted":[{"destination":"a","port":70000,"protocol":"tcp"}]})", error));
    EXPECT_FALSE(read_alert_state(R"({"version":1,"alerted":[{"destination":"a","port":1,"protocol":"xyz"}]})", error));
}

// A destination remembered from before the restart does not alert again; a new one does.
TEST(AlertState, RememberedDestinationsDoNotAlertAgain) {
    struct Alerts : RecordSink {
        std::vector<AlertRecord> seen;
        void on_alert(const AlertRecord& a) override { seen.push_back(a); }
    } alerts;
    BaselineAlerter alerter(Allowlist{}, "baseline.yaml");
    alerter.pass_to(alerts);
    alerter.remember(AlertState{"baseline.yaml", {{"api.test", 443, 6}}});
    ConnectionRecord r;
    r.address = *IpAddress::parse("198.51.100.7");
    r.port = 443;
    r.protocol = 6;
    r.host = "api.test";
    alerter.on_connection(r);
    EXPECT_TRUE(alerts.seen.empty());
    r.host = "new.test";
    alerter.on_connection(r);
    ASSERT_EQ(alerts.seen.size(), 1u);
    EXPECT_EQ(alerter.state().alerted.size(), 2u);
}

TEST(CliParse, WatchAsAServiceOptions) {
    CliRequest r = parse(
        {"watch", "--rotate-size", "100M", "--rotate-age", "24h", "--keep-segments", "5", "--write-interval", "30s"});
    EXPECT_EQ(r.watch.rotation.max_bytes, 100u << 20);
    EXPECT_EQ(r.watch.rotation.max_age, std::chrono::hours(24));
    EXPECT_EQ(r.watch.rotation.keep, 5u);
    EXPECT_EQ(r.watch.write_interval, std::chrono::seconds(30));
    CliRequest d = parse({"watch"});
    EXPECT_FALSE(d.watch.rotation.active());
    EXPECT_EQ(d.watch.rotation.keep, 10u);
    EXPECT_EQ(d.watch.write_interval, std::chrono::seconds(60));
    for (auto bad : {std::vector<const char*>{"watch", "--rotate-size", "0"},
                     {"watch", "--rotate-size", "big"},
                     {"watch", "--rotate-age", "0s"},
                     {"watch", "--write-interval", "soon"}}) {
        try {
            parse(bad);
            ADD_FAILURE() << bad[1] << " " << bad[2] << " is refused";
        } catch (const CliExit& e) {
            EXPECT_EQ(e.code, kSetupErrorExit);
            EXPECT_NE(e.text.find(bad[1]), std::string::npos) << e.text;
        }
    }
}

// A service restarted keeps what it wrote before: with rotation, the file left there becomes a
// segment; without, the session starts afresh as before.
TEST(RotatingFile, ARestartKeepsTheLastFileAsASegment) {
    std::string dir = make_temp_dir("ew-rotate-");
    std::ofstream(dir + "/events.jsonl") << "before\n";
    RotatingFile file;
    file.open(dir, "events.jsonl", RotationPolicy{1 << 20, {}, 10});
    file.write("after\n");
    file.settle();
    auto names = names_in(dir);
    ASSERT_EQ(names.size(), 2u) << testing::PrintToString(names);
    EXPECT_EQ(gunzip(dir + "/" + names[0]), "before\n");
    EXPECT_EQ(read_all(dir + "/events.jsonl"), "after\n");
    file.close();
    RotatingFile plain;
    plain.open(dir, "events.jsonl", RotationPolicy{});
    EXPECT_EQ(read_all(dir + "/events.jsonl"), "");
    fs::remove_all(dir);
}

// A relative --out: each file is written once, where it belongs (a path joined twice was).
TEST(OutputDirFiles, ARelativeOutWritesEachFileInIt) {
    std::string dir = make_temp_dir("ew-out-");
    ASSERT_EQ(::chdir(dir.c_str()), 0);  // each test runs in a process of its own
    OutputDir out("relative");
    EXPECT_FALSE(out.write_atomically("alert-state.json", [](std::ostream& o) { o << "{}\n"; }));
    Aggregator agg;
    EXPECT_TRUE(out.write_results(agg, std::nullopt, 0).empty());
    for (const char* name : {"alert-state.json", "report.json", "allowlist.yaml"})
        EXPECT_TRUE(fs::exists(dir + "/relative/" + name)) << name;
    fs::remove_all(dir);
}
