#include <gtest/gtest.h>

#include <cstring>
#include <memory>

#include "egresswatch/abi.h"
#include "pipeline/decoder.h"

using namespace egresswatch;

namespace {
ew_event_header header(__u32 type) {
    ew_event_header h{};
    h.ts_ns = 1000;
    h.cgroup_id = 77;
    h.type = type;
    h.tgid = 42;
    h.tid = 43;
    h.uid = 1000;
    std::strcpy(h.comm, "curl");
    return h;
}
}  // namespace

TEST(Decoder, ConnectIpv4) {
    ew_sock_event raw{};
    raw.hdr = header(EW_EVENT_CONNECT);
    raw.cookie = 9;
    raw.addr[0] = 198, raw.addr[1] = 18, raw.addr[2] = 0, raw.addr[3] = 2;
    raw.port = 8080;
    raw.family = EW_AF_INET;
    raw.protocol = EW_IPPROTO_TCP;
    auto e = decode_event(&raw, sizeof(raw));
    ASSERT_TRUE(e);
    const auto& s = std::get<SockEvent>(*e);
    EXPECT_EQ(s.kind, SockEventKind::connect);
    EXPECT_EQ(s.address.to_string(), "198.18.0.2");
    EXPECT_EQ(s.port, 8080);
    EXPECT_EQ(s.protocol, 6);
    EXPECT_EQ(s.task.pid, 42u);
    EXPECT_EQ(s.task.tid, 43u);
    EXPECT_EQ(s.task.comm, "curl");
    EXPECT_EQ(s.cookie, 9u);
}

TEST(Decoder, SendIpv6KeepsMappedForm) {
    ew_sock_event raw{};
    raw.hdr = header(EW_EVENT_SEND);
    raw.addr[10] = 0xff, raw.addr[11] = 0xff, raw.addr[12] = 10, raw.addr[15] = 1;
    raw.family = EW_AF_INET6;
    raw.protocol = EW_IPPROTO_UDP;
    auto e = decode_event(&raw, sizeof(raw));
    ASSERT_TRUE(e);
    const auto& s = std::get<SockEvent>(*e);
    EXPECT_EQ(s.kind, SockEventKind::send);
    EXPECT_TRUE(s.address.is_v4_mapped());
    EXPECT_EQ(s.address.unmapped().to_string(), "10.0.0.1");
}

TEST(Decoder, ExecSplitsArgvAndNotesInterpreter) {
    auto raw = std::make_unique<ew_exec_event>();
    std::memset(raw.get(), 0, sizeof(*raw));
    raw->hdr = header(EW_EVENT_EXEC);
    raw->ppid = 1;
    std::strcpy(raw->filename, "./deploy.sh");
    std::strcpy(raw->interp, "/bin/bash");
    const char args[] = "bash\0./deploy.sh\0--fast";  // last argument cut off, no NUL
    std::memcpy(raw->args, args, sizeof(args) - 1);
    raw->args_len = sizeof(args) - 1;
    raw->args_truncated = 1;
    auto e = decode_event(raw.get(), sizeof(*raw));
    ASSERT_TRUE(e);
    const auto& x = std::get<ExecEvent>(*e);
    EXPECT_EQ(x.filename, "./deploy.sh");
    EXPECT_EQ(x.interpreter, "/bin/bash");
    EXPECT_EQ(x.argv, (std::vector<std::string>{"bash", "./deploy.sh", "--fast"}));
    EXPECT_TRUE(x.argv_truncated);
}

TEST(Decoder, UnterminatedStringsStayInBounds) {
    ew_sock_event raw{};
    raw.hdr = header(EW_EVENT_CONNECT);
    std::memset(raw.hdr.comm, 'A', sizeof(raw.hdr.comm));  // no NUL
    raw.family = EW_AF_INET;
    auto e = decode_event(&raw, sizeof(raw));
    ASSERT_TRUE(e);
    EXPECT_EQ(std::get<SockEvent>(*e).task.comm, std::string(16, 'A'));
}

TEST(Decoder, RejectsShortUnknownAndBadFamily) {
    ew_sock_event raw{};
    raw.hdr = header(EW_EVENT_CONNECT);
    raw.family = EW_AF_INET;
    EXPECT_FALSE(decode_event(&raw, sizeof(raw) - 1));
    EXPECT_FALSE(decode_event(&raw, 4));
    raw.family = 1;  // AF_UNIX never reaches a sock_addr hook
    EXPECT_FALSE(decode_event(&raw, sizeof(raw)));
    raw.hdr.type = 99;
    EXPECT_FALSE(decode_event(&raw, sizeof(raw)));
    auto exec = std::make_unique<ew_exec_event>();
    exec->hdr = header(EW_EVENT_EXEC);
    EXPECT_FALSE(decode_event(exec.get(), sizeof(ew_sock_event)));
}

TEST(Decoder, SockEventVerdicts) {
    ew_sock_event raw{};
    raw.hdr = header(EW_EVENT_CONNECT);
    raw.family = EW_AF_INET;
    raw.protocol = EW_IPPROTO_TCP;
    auto e = decode_event(&raw, sizeof(raw));
    ASSERT_TRUE(e);
    EXPECT_EQ(std::get<SockEvent>(*e).verdict, Verdict::allowed) << "without --enforce every event is allowed";
    raw.verdict = EW_VERDICT_BLOCKED;
    e = decode_event(&raw, sizeof(raw));
    ASSERT_TRUE(e);
    EXPECT_EQ(std::get<SockEvent>(*e).verdict, Verdict::blocked);
    raw.hdr.type = EW_EVENT_SEND;
    raw.verdict = EW_VERDICT_UNVERIFIED;
    e = decode_event(&raw, sizeof(raw));
    ASSERT_TRUE(e);
    EXPECT_EQ(std::get<SockEvent>(*e).kind, SockEventKind::send);
    EXPECT_EQ(std::get<SockEvent>(*e).verdict, Verdict::unverified);
    raw.verdict = 3;
    EXPECT_FALSE(decode_event(&raw, sizeof(raw))) << "an unknown verdict is undecodable, never taken for allowed";
}

TEST(Decoder, VerdictNamesReadBack) {
    for (Verdict v : {Verdict::allowed, Verdict::blocked, Verdict::unverified})
        EXPECT_EQ(parse_verdict(verdict_name(v)), v);
    EXPECT_EQ(verdict_name(Verdict::unverified), "unverified");
    EXPECT_FALSE(parse_verdict("denied"));
}

TEST(Decoder, ForkAndExit) {
    ew_fork_event f{};
    f.hdr = header(EW_EVENT_FORK);
    f.child_tgid = 4242;
    auto e = decode_event(&f, sizeof(f));
    ASSERT_TRUE(e);
    EXPECT_EQ(std::get<ForkEvent>(*e).child_pid, 4242u);
    ew_exit_event x{};
    x.hdr = header(EW_EVENT_EXIT);
    x.exit_code = 256;
    e = decode_event(&x, sizeof(x));
    ASSERT_TRUE(e);
    EXPECT_EQ(std::get<ExitEvent>(*e).exit_code, 256u);
}

TEST(Decoder, CgroupMadeNamesItsIdUnlessThePathWasCutOff) {
    auto raw = std::make_unique<ew_cgroup_event>();
    std::memset(raw.get(), 0, sizeof(*raw));
    raw->hdr = header(EW_EVENT_CGROUP_MKDIR);
    raw->cgroup_id = 9001;
    raw->parent_id = 77;
    std::strcpy(raw->path, "/libpod_parent/libpod-0123");
    auto e = decode_event(raw.get(), sizeof(*raw));
    ASSERT_TRUE(e);
    const auto& c = std::get<CgroupEvent>(*e);
    EXPECT_EQ(c.cgroup_id, 9001u);
    EXPECT_EQ(c.parent_id, 77u);
    EXPECT_EQ(c.path, "/libpod_parent/libpod-0123");
    EXPECT_EQ(c.task.pid, 42u);

    raw->path_truncated = 1;
    e = decode_event(raw.get(), sizeof(*raw));
    ASSERT_TRUE(e);
    EXPECT_EQ(std::get<CgroupEvent>(*e).path, "") << "a cut-off path would name the cgroup wrongly";
    EXPECT_FALSE(decode_event(raw.get(), sizeof(*raw) - 1)) << "short record";
}
