#include <gtest/gtest.h>

#include "pipeline/enricher.h"
#include "pipeline/process_table.h"

using namespace egresswatch;

namespace {
ProcessInfo proc(std::uint32_t pid, std::uint32_t ppid, const char* comm, const char* exe) {
    ProcessInfo p;
    p.pid = pid;
    p.ppid = ppid;
    p.comm = comm;
    p.exe = exe;
    return p;
}
}  // namespace

TEST(ProcessTable, AncestryWalksToTheTop) {
    ProcessTable t;
    t.upsert(proc(1, 0, "systemd", "/usr/lib/systemd/systemd"));
    t.upsert(proc(10, 1, "bash", "/usr/bin/bash"));
    t.upsert(proc(20, 10, "sh", "/usr/bin/sh"));
    t.upsert(proc(30, 20, "curl", "/usr/bin/curl"));
    auto chain = t.ancestry(30);
    ASSERT_EQ(chain.size(), 3u);
    EXPECT_EQ(chain[0], (Ancestor{20, "sh", "/usr/bin/sh"}));
    EXPECT_EQ(chain[1], (Ancestor{10, "bash", "/usr/bin/bash"}));
    EXPECT_EQ(chain[2], (Ancestor{1, "systemd", "/usr/lib/systemd/systemd"}));
}

TEST(ProcessTable, AncestryStopsAtTheRunRoot) {
    ProcessTable t;
    t.upsert(proc(5, 1, "egresswatch", "/usr/sbin/egresswatch"));
    t.upsert(proc(10, 5, "bash", "/usr/bin/bash"));
    t.upsert(proc(20, 10, "curl", "/usr/bin/curl"));
    t.set_root(10);
    auto chain = t.ancestry(20);
    ASSERT_EQ(chain.size(), 1u);
    EXPECT_EQ(chain[0].pid, 10u);
    EXPECT_TRUE(t.ancestry(10).empty());
}

TEST(ProcessTable, ForkInheritsUntilExec) {
    ProcessTable t;
    t.upsert(proc(10, 1, "bash", "/usr/bin/bash"));
    t.on_fork(10, 11, "bash");
    EXPECT_EQ(t.find(11)->exe, "/usr/bin/bash");
    EXPECT_EQ(t.find(11)->ppid, 10u);
    t.on_exec(11, 10, "curl", "/usr/bin/curl", {"curl", "-s"});
    EXPECT_EQ(t.find(11)->exe, "/usr/bin/curl");
    EXPECT_EQ(t.find(11)->argv, (std::vector<std::string>{"curl", "-s"}));
}

TEST(ProcessTable, ExitedProcessesStayUntilRetentionPasses) {
    ProcessTable t(ProcessTable::Limits{1000, 100});
    t.upsert(proc(10, 1, "bash", "/usr/bin/bash"));
    t.on_fork(10, 11, "bash");
    t.on_exit(10, 5000, 0);
    t.prune(5500);
    ASSERT_NE(t.find(10), nullptr) << "a parent that exited must still name its children's ancestry";
    EXPECT_EQ(t.ancestry(11)[0].exe, "/usr/bin/bash");
    t.prune(6001);
    EXPECT_EQ(t.find(10), nullptr);
    EXPECT_NE(t.find(11), nullptr);
}

TEST(ProcessTable, RecycledPidIsNotPrunedWithItsPredecessor) {
    ProcessTable t(ProcessTable::Limits{1000, 100});
    t.upsert(proc(10, 1, "old", "/bin/old"));
    t.on_exit(10, 100, 0);
    t.on_fork(1, 10, "new");
    t.prune(100000);
    ASSERT_NE(t.find(10), nullptr);
    EXPECT_EQ(t.find(10)->comm, "new");
}

TEST(ProcessTable, FallbackFillsUnknownPidsOnce) {
    ProcessTable t;
    int calls = 0;
    t.set_fallback([&](std::uint32_t pid) -> std::optional<ProcessInfo> {
        ++calls;
        if (pid != 77) return std::nullopt;
        return proc(77, 1, "nginx", "/usr/sbin/nginx");
    });
    EXPECT_EQ(t.find(77)->exe, "/usr/sbin/nginx");
    EXPECT_EQ(t.find(77)->exe, "/usr/sbin/nginx");
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(t.find(78), nullptr);
}

TEST(ProcessTable, CyclicParentsDoNotLoopForever) {
    ProcessTable t;
    t.upsert(proc(10, 20, "a", "/a"));
    t.upsert(proc(20, 10, "b", "/b"));
    bool truncated = false;
    EXPECT_LE(t.ancestry(10, &truncated).size(), 64u);
    EXPECT_TRUE(truncated);
}

// Issue 15: a chain deeper than 64 was cut with no marker.
TEST(ProcessTable, AnAncestryCutAt64SaysSo) {
    ProcessTable t;
    t.upsert(proc(1, 0, "init", "/sbin/init"));
    for (std::uint32_t pid = 2; pid <= 80; ++pid) t.upsert(proc(pid, pid - 1, "sh", "/bin/sh"));
    bool truncated = false;
    EXPECT_EQ(t.ancestry(80, &truncated).size(), 64u);
    EXPECT_TRUE(truncated);
    // Exactly 64 ancestors, the last of them the top: nothing was left out.
    EXPECT_EQ(t.ancestry(65, &truncated).size(), 64u);
    EXPECT_FALSE(truncated);
    EXPECT_EQ(t.ancestry(30, &truncated).size(), 29u);
    EXPECT_FALSE(truncated);
}

TEST(ProcessTable, UnknownParentIsNamedByPidOnly) {
    ProcessTable t;
    t.upsert(proc(30, 999, "curl", "/usr/bin/curl"));
    auto chain = t.ancestry(30);
    ASSERT_EQ(chain.size(), 1u);
    EXPECT_EQ(chain[0].pid, 999u);
    EXPECT_EQ(chain[0].exe, "");
}

// A process that connected and exited before userspace read anything is still attributed
// from the events alone: /proc no longer has it, and the fallback is never asked.
TEST(Enricher, ShortLivedProcessKeepsExeAndAncestry) {
    struct Capture : KernelRecordSink {
        std::vector<ConnectionRecord> connections;
        void on_connection(const ConnectionRecord& r) override { connections.push_back(r); }
    } sink;
    ProcessTable t;
    t.upsert(proc(10, 1, "bash", "/usr/bin/bash"));
    t.set_root(10);
    t.set_fallback([](std::uint32_t pid) -> std::optional<ProcessInfo> {
        ADD_FAILURE() << "fallback asked for pid " << pid;
        return std::nullopt;
    });
    ProcessNamer names(t);
    Enricher enricher(t, names, WallClock{0}, {}, sink);
    TaskContext parent{1, 0, 10, 10, 0, "bash"};
    TaskContext child{2, 0, 11, 11, 0, "curl"};
    enricher.on_event(ForkEvent{parent, 11});
    enricher.on_event(ExecEvent{child, 10, "/usr/bin/curl", "", "/usr/bin/curl", {"curl", "http://x"}, false});
    enricher.on_event(SockEvent{child, SockEventKind::connect, 5, IpAddress::v4(198, 18, 0, 2), 80, 6});
    enricher.on_event(ExitEvent{child, 0});
    ASSERT_EQ(sink.connections.size(), 1u);
    const auto& c = sink.connections[0];
    EXPECT_EQ(c.process.pid, 11u);
    EXPECT_EQ(c.process.exe, "/usr/bin/curl");
    EXPECT_EQ(c.process.argv[1], "http://x");
    ASSERT_EQ(c.process.ancestry.size(), 1u);
    EXPECT_EQ(c.process.ancestry[0].pid, 10u);
    EXPECT_EQ(enricher.counts().exec, 1u);
    EXPECT_EQ(enricher.counts().exit, 1u);
}

// The exe of an exec is the file the kernel executed when execve's filename does not name it
// (busybox and runc re-execute themselves as /proc/self/exe; fexecve passes /dev/fd/N; a
// relative path), and execve's filename otherwise: it keeps a symlink's name (/usr/bin/python3),
// and a script's own path rather than its interpreter's.
TEST(Enricher, ExeIsTheFileExecutedWhenTheFilenameHidesIt) {
    struct Capture : KernelRecordSink {
        std::vector<ExecRecord> execs;
        void on_exec(const ExecRecord& r) override { execs.push_back(r); }
    } sink;
    ProcessTable t;
    ProcessNamer names(t);
    Enricher enricher(t, names, WallClock{0}, {}, sink);
    struct Case {
        std::string filename, interpreter, executed, exe;
    };
    const Case cases[] = {
        {"/proc/self/exe", "", "/bin/busybox", "/bin/busybox"},
        {"/dev/fd/6", "", "/usr/bin/runc", "/usr/bin/runc"},
        {"./tool", "", "/opt/x/tool", "/opt/x/tool"},
        {"/usr/bin/python3", "", "/usr/bin/python3.11", "/usr/bin/python3"},
        {"/proc/self/exe", "", "", "/proc/self/exe"},  // too deep for the kernel: as before
        {"/opt/deploy.sh", "/bin/sh", "/usr/bin/dash", "/opt/deploy.sh"},
    };
    std::uint32_t pid = 100;
    for (const Case& c : cases) {
        TaskContext task{1, 0, pid, pid, 0, "x"};
        enricher.on_event(ExecEvent{task, 1, c.filename, c.interpreter, c.executed, {"x"}, false});
        ASSERT_FALSE(sink.execs.empty());
        EXPECT_EQ(sink.execs.back().process.exe, c.exe) << c.filename << " executed as " << c.executed;
        EXPECT_EQ(sink.execs.back().filename, c.filename);
        ++pid;
    }
}
