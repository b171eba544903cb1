// An --out filesystem that fills up mid-run (a 64 KiB tmpfs): one warning, the command's
// status kept, whole lines only, the events not written counted as lost, the report still
// written in the room held back for it, and no temporary file left.
#include <gtest/gtest.h>

#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "kernel_env.h"

using namespace egresswatch::test;
namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

class SmallTmpfs {
public:
    explicit SmallTmpfs(const char* size) : dir_(make_temp_dir("ew-full-")) {
        std::string options = std::string("size=") + size;
        if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, options.c_str()) != 0) error_ = std::strerror(errno);
    }
    ~SmallTmpfs() {
        if (error_.empty()) ::umount2(dir_.c_str(), MNT_DETACH);
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    SmallTmpfs(const SmallTmpfs&) = delete;
    SmallTmpfs& operator=(const SmallTmpfs&) = delete;
    const std::string& dir() const { return dir_; }
    const std::string& error() const { return error_; }

private:
    std::string dir_;
    std::string error_;
};

std::size_t occurrences(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

std::vector<std::string> temporary_files(const std::string& dir) {
    std::vector<std::string> found;
    for (const auto& entry : fs::directory_iterator(dir))
        if (entry.path().extension() == ".tmp") found.push_back(entry.path().string());
    return found;
}

// Every line of events.jsonl, parsed: a cut line fails the test.
std::vector<Json> whole_lines(const std::string& path) {
    std::string text = read_text(path);
    EXPECT_TRUE(text.empty() || text.back() == '\n') << "the file ends inside a line";
    std::vector<Json> records;
    for (const std::string& line : lines_of(text)) {
        try {
            records.push_back(Json::parse(line));
        } catch (const Json::exception&) {
            ADD_FAILURE() << "not a whole line: " << line;
        }
    }
    return records;
}

// Many connects to a listener on loopback, each of them an event (--every-connect), then
// status 3: far more than 64 KiB of events.
const char* kConnects = R"(import socket, sys
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(64)
for i in range(1500):
    c = socket.create_connection(srv.getsockname())
    srv.accept()[0].close()
    c.close()
sys.exit(3)
)";

}  // namespace

TEST(FullOut, EventsThatDoNotFitAreCountedAndTheReportAndStatusAreKept) {
    EW_REQUIRE_KERNEL();
    SmallTmpfs out("64k");
    ASSERT_EQ(out.error(), "") << "mount -t tmpfs";
    auto r = run_egresswatch({"run", "--every-connect", "--out", out.dir(), "--", "/usr/bin/python3", "-c", kConnects});
    EXPECT_EQ(r.exit_code, 3) << "the command's status, not egresswatch's: " << r.err;
    std::string events_path = out.dir() + "/events.jsonl";
    EXPECT_EQ(occurrences(r.err, "warning: writing " + events_path +
                                     " failed: No space left on device; events from "
                                     "now on are not recorded there"),
              1u)
        << r.err;

    std::vector<Json> records = whole_lines(events_path);
    ASSERT_GE(records.size(), 3u);
    EXPECT_EQ(records.back()["type"], "stop") << "tried again after the failure, in the room held back";
    EXPECT_EQ(records.back()["exit_code"], 3);
    const Json& lost = records[records.size() - 2];
    ASSERT_EQ(lost["type"], "lost");
    std::uint64_t unwritten = lost["reasons"].value("output_write_failed", 0ull);
    EXPECT_GT(unwritten, 0u);
    std::uint64_t events_in_file = 0;
    for (const Json& e : records)
        if (e["type"] != "start" && e["type"] != "lost" && e["type"] != "stop") ++events_in_file;

    EXPECT_EQ(temporary_files(out.dir()), std::vector<std::string>{});
    Json report = Json::parse(read_text(out.dir() + "/report.json"));
    EXPECT_EQ(report["counters"]["lost"]["reasons"]["output_write_failed"], unwritten);
    const Json& counted = report["counters"]["events"];
    EXPECT_EQ(counted["connect"], 1500);
    std::uint64_t recorded = 0;
    for (const char* type : {"connect", "send", "exec", "exit", "dns", "tls", "http"})
        recorded += counted[type].get<std::uint64_t>();
    EXPECT_EQ(events_in_file + unwritten, recorded) << "every event is in the file or counted as not written";
    EXPECT_NE(r.err.find("Lost events: " + std::to_string(unwritten) +
                         " (output_write_failed=" + std::to_string(unwritten) + ")"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("incomplete or not written: events.jsonl"), std::string::npos) << r.err;
    EXPECT_NE(read_text(out.dir() + "/allowlist.yaml").find("destinations:"), std::string::npos);

    // The file says itself what it lacks: a report made from it counts the same loss.
    std::string again = make_temp_dir("ew-full-again-");
    auto rebuilt = run_egresswatch({"report", "--quiet", "--out", again, events_path});
    EXPECT_EQ(rebuilt.exit_code, 0) << rebuilt.err;
    Json from_file = Json::parse(read_text(again + "/report.json"));
    EXPECT_EQ(from_file["counters"]["lost"]["reasons"]["output_write_failed"], unwritten);
    EXPECT_EQ(from_file["session"]["complete"], true);
    fs::remove_all(again);
}

TEST(FullOut, WithNoRoomAtAllWhatWasNotWrittenIsNamedAndTheStatusKept) {
    EW_REQUIRE_KERNEL();
    SmallTmpfs out("64k");
    ASSERT_EQ(out.error(), "") << "mount -t tmpfs";
    ASSERT_NE(sh("head -c 1M /dev/zero > " + out.dir() + "/fill").exit_code, 0) << "the filler must fill it";
    auto r = run_egresswatch({"run", "--out", out.dir(), "--", "sh", "-c", "exit 4"});
    EXPECT_EQ(r.exit_code, 4) << r.err;
    EXPECT_NE(r.err.find("warning: not written: " + out.dir() + "/report.json (No space left on device), " + out.dir() +
                         "/allowlist.yaml (No space left on device)"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(temporary_files(out.dir()), std::vector<std::string>{});
    EXPECT_FALSE(fs::exists(out.dir() + "/report.json"));
    whole_lines(out.dir() + "/events.jsonl");
    EXPECT_NE(r.err.find("Lost events: "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("(output_write_failed="), std::string::npos) << r.err;
}
