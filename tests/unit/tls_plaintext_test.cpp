// TLS plaintext in userspace: finding TLS libraries (maps, ELF symbols, probe plans) and
// joining what library calls moved to sockets, connections and names.
#include <gtest/gtest.h>
#include <sys/sysmacros.h>

#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "egresswatch/abi.h"
#include "packet_fixtures.h"
#include "pipeline/decoder.h"
#include "pipeline/flow_inspector.h"
#include "procfs/proc_maps.h"
#include "protocols/tls/library.h"
#include "system/elf_symbols.h"

extern "C" int egresswatch_test_probe_target(int x);
extern "C" __attribute__((noinline, used)) int egresswatch_test_probe_target(int x) { return x * 3 + 1; }

namespace egresswatch {
namespace {

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kT0 = 1'795'000'000'000'000'000;
constexpr std::uint64_t kSession = 0x7f00deadbeef;

struct Requests final : RecordSink {
    std::vector<HttpRecord> http;
    std::vector<ConnectionRecord> connections;
    void on_http(const HttpRecord& r) override { http.push_back(r); }
    void on_connection(const ConnectionRecord& r) override { connections.push_back(r); }
};

TlsSocket socket_of(std::uint64_t cookie) { return TlsSocket{cookie, *IpAddress::parse("198.18.0.3"), 443}; }

TlsDataRecord tls_data(std::int64_t t, Direction dir, std::string_view bytes, TlsSocketSource source,
                       std::uint64_t cookie = 9, std::uint8_t library = EW_TLS_LIB_OPENSSL) {
    TlsDataRecord r;
    r.ts_ns = kT0 + t;
    r.event.task.pid = r.event.task.tid = 42;
    r.event.task.comm = "node";
    r.event.session = kSession;
    r.event.library = library;
    r.event.socket_source = source;
    if (source != TlsSocketSource::unknown && source != TlsSocketSource::unresolved) r.event.socket = socket_of(cookie);
    r.event.direction = dir;
    r.event.flow_kind = FlowKind::http;
    r.event.length = static_cast<std::uint32_t>(bytes.size());
    r.event.data.assign(bytes.begin(), bytes.end());
    return r;
}

TlsBindRecord bind(std::int64_t t, std::uint64_t cookie) {
    TlsBindRecord r;
    r.ts_ns = kT0 + t;
    r.event.task.pid = 42;
    r.event.session = kSession;
    r.event.socket = socket_of(cookie);
    return r;
}

TEST(TlsPlaintextJoin, DataWithItsSocketIsARequestOnThatConnection) {
    Requests out;
    FlowInspector inspector(out);
    inspector.on_tls_data(
        tls_data(0, Direction::egress, "GET /a HTTP/1.1\r\nHost: secure.test\r\n\r\n", TlsSocketSource::in_call));
    inspector.on_tls_data(tls_data(3 * kMs, Direction::ingress, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
                                   TlsSocketSource::session));
    ASSERT_EQ(out.http.size(), 1u);
    const HttpRecord& r = out.http[0];
    EXPECT_TRUE(r.tls);
    EXPECT_EQ(r.tls_library, "openssl");
    EXPECT_EQ(r.cookie, 9u);
    EXPECT_EQ(r.address.to_string(), "198.18.0.3");
    EXPECT_EQ(r.port, 443);
    EXPECT_EQ(r.host, "secure.test");
    EXPECT_EQ(r.path, "/a");
    EXPECT_EQ(r.status, 404);
    EXPECT_DOUBLE_EQ(*r.response_time_ms, 3.0);
    EXPECT_EQ(inspector.counts().tls_requests, 1u);
}

TEST(TlsPlaintextJoin, DataWaitsForTheBindThatNamesItsSocket) {
    Requests out;
    FlowInspector inspector(out);
    inspector.on_tls_data(
        tls_data(0, Direction::egress, "GET /first HTTP/1.1\r\nHost: a.test\r\n\r\n", TlsSocketSource::unknown));
    inspector.tick(kT0 + 10 * kMs);
    EXPECT_TRUE(out.http.empty());
    inspector.on_tls_bind(bind(1 * kMs, 77));
    inspector.on_tls_data(
        tls_data(5 * kMs, Direction::ingress, "HTTP/1.1 200 OK\r\n\r\n", TlsSocketSource::session, 77));
    ASSERT_EQ(out.http.size(), 1u);
    EXPECT_EQ(out.http[0].cookie, 77u);
    EXPECT_EQ(out.http[0].path, "/first");
    EXPECT_EQ(out.http[0].status, 200);
    EXPECT_EQ(inspector.counts().tls_unjoined, 0u);
}

TEST(TlsPlaintextJoin, ABindThatNeverComesLeavesTheRequestUnjoinedAndCounted) {
    Requests out;
    FlowInspector inspector(out);
    inspector.on_tls_data(
        tls_data(0, Direction::egress, "GET /lost HTTP/1.1\r\nHost: a.test\r\n\r\n", TlsSocketSource::unknown));
    inspector.tick(kT0 + 2'000 * kMs);
    inspector.flush();
    ASSERT_EQ(out.http.size(), 1u);
    EXPECT_EQ(out.http[0].cookie, 0u);
    EXPECT_EQ(out.http[0].host, "a.test");
    EXPECT_FALSE(out.http[0].status);
    EXPECT_EQ(inspector.counts().tls_unjoined, 1u);
}

// Go's probes say when no bind will follow (the conn's socket could not be found, which the
// kernel counted): the request is read at once, unjoined, and not counted again.
TEST(TlsPlaintextJoin, AnUnresolvedSocketIsReadAtOnceWithoutWaitingForABind) {
    Requests out;
    FlowInspector inspector(out);
    inspector.on_tls_data(tls_data(0, Direction::egress, "GET /go HTTP/1.1\r\nHost: a.test\r\n\r\n",
                                   TlsSocketSource::unresolved, 0, EW_TLS_LIB_GO));
    inspector.on_tls_data(tls_data(2 * kMs, Direction::ingress, "HTTP/1.1 200 OK\r\n\r\n", TlsSocketSource::unresolved,
                                   0, EW_TLS_LIB_GO));
    ASSERT_EQ(out.http.size(), 1u) << "answered, without a tick";
    EXPECT_EQ(out.http[0].cookie, 0u);
    EXPECT_EQ(out.http[0].path, "/go");
    EXPECT_EQ(out.http[0].tls_library, "go");
    EXPECT_EQ(out.http[0].status, 200);
    EXPECT_EQ(inspector.counts().tls_unjoined, 0u);
}

TEST(TlsPlaintextJoin, WithoutAHostHeaderTheConnectionsSniNamesTheRequest) {
    auto hello = test::read_packet_fixture("client_hello_sni_alpn.hex");
    Requests out;
    FlowInspector inspector(out);
    PayloadRecord p;
    p.ts_ns = kT0;
    p.event.cookie = 9;
    p.event.remote = *IpAddress::parse("198.18.0.3");
    p.event.port = 443;
    p.event.protocol = 6;
    p.event.flow_kind = FlowKind::tls;
    p.event.tcp_seq = 1;
    p.event.length = static_cast<std::uint32_t>(hello.size());
    p.event.data = hello;
    inspector.on_payload(p);
    inspector.on_tls_data(tls_data(1 * kMs, Direction::egress, "GET / HTTP/1.0\r\n\r\n", TlsSocketSource::in_call));
    inspector.flush();
    ASSERT_EQ(out.http.size(), 1u);
    EXPECT_EQ(out.http[0].host, "secure.test");
}

TEST(TlsPlaintextJoin, NonHttpPlaintextIsCountedNotParsed) {
    Requests out;
    FlowInspector inspector(out);
    auto r = tls_data(0, Direction::egress, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", TlsSocketSource::in_call);
    r.event.flow_kind = FlowKind::other;
    inspector.on_tls_data(r);
    inspector.flush();
    EXPECT_TRUE(out.http.empty());
    EXPECT_EQ(inspector.counts().tls_not_http, 1u);
}

TEST(TlsPlaintextDecode, DataAndBindEventsFromTheAbi) {
    ew_tls_data_event raw{};
    raw.hdr.type = EW_EVENT_TLS_DATA;
    raw.hdr.tgid = 42;
    raw.session = kSession;
    raw.cookie = 5;
    raw.addr[0] = 198, raw.addr[1] = 18, raw.addr[2] = 0, raw.addr[3] = 3;
    raw.family = EW_AF_INET;
    raw.port = 443;
    raw.length = 5000;
    raw.captured = 4;
    std::memcpy(raw.data, "GET ", 4);
    raw.library = EW_TLS_LIB_GNUTLS;
    raw.socket = EW_TLS_SOCKET_IN_CALL;
    raw.flow_kind = EW_FLOW_HTTP;
    auto event = decode_event(&raw, sizeof(raw));
    ASSERT_TRUE(event);
    const auto& data = std::get<TlsDataEvent>(*event);
    EXPECT_EQ(data.session, kSession);
    EXPECT_EQ(data.socket.cookie, 5u);
    EXPECT_EQ(data.socket.remote.to_string(), "198.18.0.3");
    EXPECT_EQ(data.length, 5000u);
    EXPECT_EQ(data.data.size(), 4u);
    EXPECT_EQ(tls_library_from_abi(data.library), TlsLibraryKind::gnutls);

    // Go's: no socket, and none to wait for; the address fields are not read.
    raw.socket = EW_TLS_SOCKET_UNRESOLVED;
    raw.library = EW_TLS_LIB_GO;
    raw.family = 0;
    auto unresolved = decode_event(&raw, sizeof(raw));
    ASSERT_TRUE(unresolved);
    EXPECT_EQ(std::get<TlsDataEvent>(*unresolved).socket_source, TlsSocketSource::unresolved);
    EXPECT_EQ(tls_library_from_abi(std::get<TlsDataEvent>(*unresolved).library), TlsLibraryKind::go);

    raw.socket = 7;  // not an enum ew_tls_socket value
    EXPECT_FALSE(decode_event(&raw, sizeof(raw)));
    EXPECT_FALSE(decode_event(&raw, sizeof(raw) - 1));

    ew_tls_bind_event b{};
    b.hdr.type = EW_EVENT_TLS_BIND;
    b.session = kSession;
    b.cookie = 6;
    b.family = EW_AF_INET6;
    b.addr[15] = 1;
    b.port = 8443;
    auto bound = decode_event(&b, sizeof(b));
    ASSERT_TRUE(bound);
    EXPECT_EQ(std::get<TlsBindEvent>(*bound).socket.remote.to_string(), "::1");

    ew_libs_changed_event libs{};
    libs.hdr.type = EW_EVENT_LIBS_CHANGED;
    libs.hdr.tgid = 99;
    auto changed = decode_event(&libs, sizeof(libs));
    ASSERT_TRUE(changed);
    EXPECT_EQ(std::get<LibsChangedEvent>(*changed).task.pid, 99u);
}

TEST(TlsLibraries, OpenSslNeedsAWriteAndAReadAndProbesWhatItHas) {
    auto plan = plan_tls_probes({{"SSL_write", 0x100}, {"SSL_read", 0x200}, {"SSL_free", 0x300}, {"memcpy", 0x10}});
    ASSERT_TRUE(plan);
    EXPECT_EQ(plan->kind, TlsLibraryKind::openssl);
    ASSERT_EQ(plan->probes.size(), 3u);
    EXPECT_EQ(plan->probes[0].symbol, "SSL_write");
    EXPECT_EQ(plan->probes[0].offset, 0x100u);
    EXPECT_EQ(plan->probes[0].cookie, EW_TLS_OP_WRITE | (EW_TLS_LIB_OPENSSL << EW_TLS_OP_LIBRARY_SHIFT));
    EXPECT_EQ(plan->probes[1].cookie, std::uint64_t{EW_TLS_LIB_OPENSSL} << EW_TLS_OP_LIBRARY_SHIFT);
    EXPECT_EQ(plan->probes[2].role, TlsProbeRole::session_free);

    auto ex = plan_tls_probes({{"SSL_write", 1}, {"SSL_read", 2}, {"SSL_write_ex", 3}, {"SSL_read_ex", 4}});
    ASSERT_TRUE(ex);
    EXPECT_EQ(ex->probes[2].cookie & EW_TLS_OP_RESULT_ARG, EW_TLS_OP_RESULT_ARG);
    EXPECT_EQ(ex->probes[3].cookie & (EW_TLS_OP_RESULT_ARG | EW_TLS_OP_WRITE), EW_TLS_OP_RESULT_ARG);

    auto gnutls = plan_tls_probes({{"gnutls_record_send", 1}, {"gnutls_record_recv", 2}});
    ASSERT_TRUE(gnutls);
    EXPECT_EQ(gnutls->kind, TlsLibraryKind::gnutls);

    EXPECT_FALSE(plan_tls_probes({{"SSL_write", 1}}));  // libcrypto-like: no read, not a TLS library
    EXPECT_FALSE(plan_tls_probes({}));
    EXPECT_TRUE(tls_function_names().contains("gnutls_deinit"));
}

TEST(TlsLibraries, ExecutableMappingsOncePerFile) {
    auto files = executable_mappings(
        "55d0c0a00000-55d0c0a28000 r--p 00000000 fe:01 1311                       /usr/bin/curl\n"
        "55d0c0a28000-55d0c0a8e000 r-xp 00028000 fe:01 1311                       /usr/bin/curl\n"
        "7f1c4a000000-7f1c4a021000 rw-p 00000000 00:00 0 \n"
        "7f1c4a200000-7f1c4a26a000 r-xp 00022000 fe:01 2660                       "
        "/usr/lib/x86_64-linux-gnu/libssl.so.3\n"
        "7f1c4a300000-7f1c4a301000 r-xp 00000000 fe:01 2660                       "
        "/usr/lib/x86_64-linux-gnu/libssl.so.3\n"
        "7f1c4a400000-7f1c4a401000 r-xp 00000000 00:05 77                         /memfd:jit (deleted)\n"
        "7f1c4a500000-7f1c4a501000 r-xp 00000000 08:11 4242                       /opt/my lib/libgnutls.so.30\n"
        "7ffd2e5fe000-7ffd2e600000 r-xp 00000000 00:00 0                          [vdso]\n");
    ASSERT_EQ(files.size(), 3u);
    EXPECT_EQ(files[0].path, "/usr/bin/curl");
    EXPECT_EQ(files[0].device, makedev(0xfe, 0x01));
    EXPECT_EQ(files[0].inode, 1311u);
    EXPECT_EQ(files[1].path, "/usr/lib/x86_64-linux-gnu/libssl.so.3");
    EXPECT_EQ(files[2].path, "/opt/my lib/libgnutls.so.30");
    EXPECT_EQ(files[2].device, makedev(0x08, 0x11));
    EXPECT_TRUE(executable_mappings("garbage\n\n-- -- --\n").empty());
}

TEST(TlsLibraries, FunctionOffsetsAreFileOffsets) {
    // This test binary's own function: its file offset holds its first instruction bytes.
    auto found = find_functions("/proc/self/exe", {"egresswatch_test_probe_target", "no_such_function_here"});
    ASSERT_TRUE(found);
    ASSERT_EQ(found->size(), 1u);
    std::ifstream exe("/proc/self/exe", std::ios::binary);
    exe.seekg(static_cast<std::streamoff>(found->at("egresswatch_test_probe_target")));
    char in_file[16] = {};
    exe.read(in_file, sizeof(in_file));
    ASSERT_TRUE(exe);
    EXPECT_EQ(std::memcmp(in_file, reinterpret_cast<const void*>(&egresswatch_test_probe_target), sizeof(in_file)), 0)
        << "the offset does not hold the function's code";
    EXPECT_EQ(egresswatch_test_probe_target(2), 7);
    EXPECT_FALSE(find_functions("/nonexistent/lib.so", {"x"}));
    EXPECT_FALSE(find_functions(FIXTURES_DIR "/packets/client_hello_sni_alpn.hex", {"x"}));
}

}  // namespace
}  // namespace egresswatch
