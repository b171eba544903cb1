// Line formats written whole or not at all: a write that fails part-way is cut back to the last
// whole line, the first failure is reported once, and what is missing is counted.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/subprocess.h"
#include "report/jsonl.h"
#include "report/line_output.h"
#include "session_fixture.h"

using namespace egresswatch;

namespace {

ConnectionRecord a_connect() {
    return test::connection(SockEventKind::connect, 1, "198.18.0.2", 80, 6, test::process(7, "curl", "/usr/bin/curl"));
}

// Fails its first write outright, then takes everything.
class FailsOnce final : public LineOutput {
public:
    std::size_t write(std::string_view lines) override {
        if (writes_++ == 0) return 0;
        text += lines;
        return lines.size();
    }
    std::string error() const override { return "No space left on device"; }
    std::string text;

private:
    int writes_ = 0;
};

}  // namespace

// RLIMIT_FSIZE makes write(2) stop part-way and then fail (EFBIG), as a filling disk does,
// without root: in a child, so the limit binds no other test.
TEST(LineOutput, AWriteThatFailsPartWayLeavesOnlyWholeLines) {
    std::string dir = test::make_temp_dir("ew-lines-");
    std::string path = dir + "/events.jsonl";
    std::string said = dir + "/said";
    pid_t child = fork();
    if (child == 0) {
        signal(SIGXFSZ, SIG_IGN);
        rlimit limit{1000, 1000};
        setrlimit(RLIMIT_FSIZE, &limit);
        LineFile file(path);
        int failures = 0;
        std::string reason;
        LineWriter lines(file, [&](const std::string& why) {
            ++failures;
            reason = why;
        });
        std::string line(399, 'a');  // 400 bytes with its '\n': the third reaches byte 1200
        for (int i = 0; i < 3; ++i) lines.add(line);
        lines.flush();
        lines.add(line);
        lines.add("{\"type\":\"stop\"}", LineWriter::Kind::account);
        lines.flush();
        std::ofstream(said) << failures << " " << lines.dropped() << " " << reason;
        _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_EQ(test::read_text(said), "1 2 File too large") << "one failure; the third line and the one after it";
    std::string line(399, 'a');
    EXPECT_EQ(test::read_text(path), line + "\n" + line + "\n{\"type\":\"stop\"}\n")
        << "the cut third line is gone, and the account line after the failure is written";
    std::filesystem::remove_all(dir);
}

TEST(LineOutput, DevFullFailsOnceAndCountsTheEventsNotTheAccountLines) {
    LineFile full("/dev/full");
    std::vector<std::string> failures;
    JsonlWriter writer(full, [&](const std::string& why) { failures.push_back(why); });
    SessionStart start;
    start.mode = "run";
    writer.on_start(start);
    writer.on_batch_end();
    for (int i = 0; i < 3; ++i) writer.on_connection(a_connect());
    writer.on_batch_end();
    writer.on_loss(LossRecord{1, {{"output_write_failed", 3}}});
    writer.on_stop(SessionStop{2, 0});
    ASSERT_EQ(failures.size(), 1u);
    EXPECT_EQ(failures[0], "No space left on device");
    EXPECT_TRUE(writer.failed());
    EXPECT_EQ(writer.unwritten(), 3u) << "start, lost and stop lines are the file's account, not events";
}

// The lost and stop lines are tried after a failure, so the file can say what it lacks; the
// events are not, so the file has a gap nowhere but at its end.
TEST(LineOutput, AfterAFailureOnlyTheLostAndStopLinesAreTried) {
    FailsOnce out;
    JsonlWriter writer(out);
    writer.on_connection(a_connect());
    writer.on_batch_end();
    writer.on_connection(a_connect());
    writer.on_loss(LossRecord{1, {{"output_write_failed", 2}}});
    writer.on_stop(SessionStop{2, 0});
    EXPECT_EQ(writer.unwritten(), 2u);
    auto lines = test::lines_of(out.text);
    ASSERT_EQ(lines.size(), 2u) << out.text;
    EXPECT_EQ(lines[0].rfind("{\"type\":\"lost\"", 0), 0u);
    EXPECT_NE(lines[0].find("\"output_write_failed\":2"), std::string::npos);
    EXPECT_EQ(lines[1].rfind("{\"type\":\"stop\"", 0), 0u);
}
