#include "pipeline/flow_inspector.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http2_peers.h"
#include "packet_fixtures.h"

namespace egresswatch {
namespace {

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kT0 = 1'795'000'000'000'000'000;

// Keeps every record in arrival order, so tests can check what came out before what.
struct Recorder final : RecordSink {
    std::vector<std::string> order;
    std::vector<ConnectionRecord> connections;
    std::vector<HttpRecord> requests;
    std::vector<TlsRecord> hellos;
    std::vector<DnsLookupRecord> lookups;
    void on_connection(const ConnectionRecord& r) override {
        order.push_back("connect");
        connections.push_back(r);
    }
    void on_http(const HttpRecord& r) override {
        order.push_back("http " + r.path);
        requests.push_back(r);
    }
    void on_tls(const TlsRecord& r) override {
        order.push_back("tls");
        hellos.push_back(r);
    }
    void on_dns(const DnsLookupRecord& r) override {
        order.push_back("dns");
        lookups.push_back(r);
    }
    void on_repeat(const RepeatRecord&) override { order.push_back("repeat"); }
    std::vector<TlsEndRecord> ends;
    void on_tls_end(const TlsEndRecord& r) override {
        order.push_back("tls_end");
        ends.push_back(r);
    }
};

ProcessRef proc(std::uint32_t pid) {
    ProcessRef p;
    p.pid = p.tid = pid;
    p.comm = "curl";
    p.exe = "/usr/bin/curl";
    return p;
}

ConnectionRecord tcp_connect(std::uint64_t cookie, std::uint32_t pid, const char* addr = "198.18.0.3",
                             std::uint16_t port = 80, std::int64_t t = 0) {
    ConnectionRecord r;
    r.ts_ns = kT0 + t;
    r.protocol = 6;
    r.address = *IpAddress::parse(addr);
    r.port = port;
    r.cookie = cookie;
    r.process = proc(pid);
    return r;
}

PayloadRecord payload(std::uint64_t cookie, std::uint32_t pid, FlowKind kind, Direction dir, std::int64_t t,
                      const std::vector<std::uint8_t>& bytes, std::uint32_t seq = 0, std::uint8_t protocol = 6,
                      const char* remote = "198.18.0.3", std::uint16_t port = 80) {
    PayloadRecord r;
    r.ts_ns = kT0 + t;
    r.event.cookie = cookie;
    r.event.remote = *IpAddress::parse(remote);
    r.event.port = port;
    r.event.protocol = protocol;
    r.event.direction = dir;
    r.event.flow_kind = kind;
    r.event.tcp_seq = seq;
    r.event.length = static_cast<std::uint32_t>(bytes.size());
    r.event.data = bytes;
    r.event.task.pid = r.event.task.tid = pid;
    r.event.task.comm = "curl";
    return r;
}

std::vector<std::uint8_t> text(std::string_view s) { return {s.begin(), s.end()}; }

PayloadRecord request(std::uint64_t cookie, std::int64_t t, std::string_view head) {
    return payload(cookie, 7, FlowKind::http, Direction::egress, t, text(head));
}
PayloadRecord response(std::uint64_t cookie, std::int64_t t, std::string_view head) {
    return payload(cookie, 7, FlowKind::http, Direction::ingress, t, text(head));
}

// A DNS response for `name`: a CNAME to `target`, which has address `a.b.c.d`.
std::vector<std::uint8_t> dns_answer(const std::string& name, const std::string& target, std::uint8_t a, std::uint8_t b,
                                     std::uint8_t c, std::uint8_t d) {
    std::vector<std::uint8_t> m{0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0};
    auto put_name = [&m](const std::string& n) {
        std::size_t start = 0;
        while (start < n.size()) {
            std::size_t dot = n.find('.', start);
            if (dot == std::string::npos) dot = n.size();
            m.push_back(static_cast<std::uint8_t>(dot - start));
            m.insert(m.end(), n.begin() + static_cast<std::ptrdiff_t>(start),
                     n.begin() + static_cast<std::ptrdiff_t>(dot));
            start = dot + 1;
        }
        m.push_back(0);
    };
    put_name(name);
    m.insert(m.end(), {0, 1, 0, 1});
    put_name(name);
    m.insert(m.end(), {0, 5, 0, 1, 0, 0, 0, 60});
    std::vector<std::uint8_t> rdata;
    std::swap(m, rdata);
    put_name(target);
    std::swap(m, rdata);
    m.push_back(0);
    m.push_back(static_cast<std::uint8_t>(rdata.size()));
    m.insert(m.end(), rdata.begin(), rdata.end());
    put_name(target);
    m.insert(m.end(), {0, 1, 0, 1, 0, 0, 0, 60, 0, 4, a, b, c, d});
    return m;
}

TEST(FlowInspector, KeepAliveRequestsPairWithTheirResponsesInOrder) {
    Recorder out;
    // The process table names the requests' process; its cgroup lookup counts how often.
    ProcessTable table;
    ProcessInfo curl;
    curl.pid = 7;
    curl.comm = "curl";
    curl.exe = "/usr/bin/curl";
    table.upsert(curl);
    int resolved = 0;
    ProcessNamer names(table, [&resolved](std::uint64_t) {
        ++resolved;
        return std::string();
    });
    FlowInspector inspector(out, {}, &names);
    inspector.on_connection(tcp_connect(1, 7));
    EXPECT_TRUE(out.connections.empty()) << "a TCP connect waits for the payload that names it";

    inspector.on_payload(
        request(1, 1 * kMs, "GET /pool/x.deb HTTP/1.1\r\nHost: Mirror.Test:80\r\nUser-Agent: t\r\n\r\n"));
    ASSERT_EQ(out.connections.size(), 1u);
    EXPECT_EQ(out.connections[0].host, "mirror.test");
    EXPECT_EQ(out.connections[0].host_source, "http-host");
    inspector.on_payload(response(1, 4 * kMs, "HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n"));
    inspector.on_payload(request(1, 10 * kMs, "GET /missing HTTP/1.1\r\nHost: mirror.test\r\n\r\n"));
    inspector.on_payload(response(1, 12 * kMs, "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\n"));

    ASSERT_EQ(out.requests.size(), 2u);
    EXPECT_EQ(out.order, (std::vector<std::string>{"connect", "http /pool/x.deb", "http /missing"}));
    const HttpRecord& first = out.requests[0];
    EXPECT_EQ(first.host, "mirror.test");
    EXPECT_EQ(first.method, "GET");
    EXPECT_EQ(first.status, 200);
    EXPECT_DOUBLE_EQ(*first.response_time_ms, 3.0);
    EXPECT_EQ(first.response_bytes, 3000u);
    EXPECT_EQ(first.file_type, "package");
    EXPECT_EQ(first.user_agent, "t");
    EXPECT_EQ(first.process.exe, "/usr/bin/curl");
    EXPECT_EQ(resolved, 2) << "once per request head; response packets name no process";
    EXPECT_EQ(out.requests[1].status, 404);
    EXPECT_DOUBLE_EQ(*out.requests[1].response_time_ms, 2.0);
    EXPECT_FALSE(out.requests[1].file_type);
}

TEST(FlowInspector, PipelinedRequestsAndInterimResponses) {
    Recorder out;
    FlowInspector inspector(out);
    inspector.on_payload(
        request(2, 0, "GET /a HTTP/1.1\r\nHost: h.test\r\n\r\nGET /b HTTP/1.1\r\nHost: h.test\r\n\r\n"));
    inspector.on_payload(response(2, 1 * kMs,
                                  "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 "
                                  "301 Moved\r\nContent-Length: 0\r\n\r\n"));
    ASSERT_EQ(out.requests.size(), 2u);
    EXPECT_EQ(out.requests[0].path, "/a");
    EXPECT_EQ(out.requests[0].status, 200);
    EXPECT_EQ(out.requests[1].path, "/b");
    EXPECT_EQ(out.requests[1].status, 301);
}

// Issue 15: a control byte in any header made the whole request disappear, with nothing
// counted. Now it is reported with what was wrong, and only what cannot be parsed at all is
// counted (as lost, by the session: payload_unparsed).
TEST(FlowInspector, ARequestWithABadHeaderIsReportedAndFlagged) {
    Recorder out;
    FlowInspector inspector(out);
    inspector.on_payload(request(9, 0, "GET /a HTTP/1.1\r\nHost: h.test\r\nX-Trace: a\x01b\r\n\r\n"));
    inspector.on_payload(response(9, 1 * kMs, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
    inspector.on_payload(request(9, 2 * kMs, "GET /b HTTP/1.1\r\nHost: h.test\r\n\r\n"));
    inspector.on_payload(response(9, 3 * kMs, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX: \x7f\r\n\r\n"));
    ASSERT_EQ(out.requests.size(), 2u);
    EXPECT_EQ(out.requests[0].path, "/a");
    EXPECT_EQ(out.requests[0].host, "h.test");
    EXPECT_EQ(out.requests[0].status, 200);
    EXPECT_EQ(out.requests[0].malformed, "a control byte in header X-Trace");
    EXPECT_EQ(out.requests[1].malformed, "response: a control byte in header X");
    EXPECT_EQ(inspector.counts().unparsed, 0u);
    // A head that cannot be trusted at all (two lengths) is counted, not reported.
    inspector.on_payload(request(10, 4 * kMs, "POST /c HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"));
    EXPECT_EQ(out.requests.size(), 2u);
    EXPECT_EQ(inspector.counts().unparsed, 1u);
}

TEST(FlowInspector, SecretsAreRedactedUnlessAskedNotTo) {
    const char* head =
        "POST /login?user=bob&token=s3cret HTTP/1.1\r\nHost: api.test\r\nAuthorization: Bearer abc.def\r\n"
        "Cookie: session=xyz\r\nContent-Length: 10\r\n\r\n";
    Recorder out;
    FlowInspector inspector(out);
    inspector.on_payload(request(3, 0, head));
    inspector.flush();
    ASSERT_EQ(out.requests.size(), 1u);
    const HttpRecord& r = out.requests[0];
    EXPECT_EQ(r.path, "/login?user=REDACTED&token=REDACTED");
    EXPECT_FALSE(r.status) << "no response: reported without one at flush";
    EXPECT_EQ(r.request_bytes, 10u);
    std::string all;
    for (const auto& [name, value] : r.headers) all += name + ": " + value + "\n";
    EXPECT_EQ(all.find("abc.def"), std::string::npos) << all;
    EXPECT_EQ(all.find("xyz"), std::string::npos) << all;
    EXPECT_NE(all.find("Authorization: Bearer REDACTED"), std::string::npos) << all;

    Recorder clear;
    InspectorOptions options;
    options.redact = false;
    FlowInspector verbatim(clear, options);
    verbatim.on_payload(request(3, 0, head));
    verbatim.flush();
    ASSERT_EQ(clear.requests.size(), 1u);
    EXPECT_EQ(clear.requests[0].path, "/login?user=bob&token=s3cret");
}

TEST(FlowInspector, ClientHelloSplitAcrossSegmentsNamesTheConnection) {
    auto hello = test::read_packet_fixture("client_hello_sni_alpn.hex");
    ASSERT_GT(hello.size(), 100u);
    std::vector<std::uint8_t> first(hello.begin(), hello.begin() + 60), rest(hello.begin() + 40, hello.end());
    Recorder out;
    FlowInspector inspector(out);
    inspector.on_connection(tcp_connect(4, 7, "198.18.0.3", 443));
    inspector.on_payload(payload(4, 7, FlowKind::tls, Direction::egress, 1 * kMs, first, 1000, 6, "198.18.0.3", 443));
    EXPECT_TRUE(out.connections.empty()) << "half a hello names nothing yet";
    // The second segment overlaps the first by 20 bytes, as a retransmission would.
    inspector.on_payload(payload(4, 7, FlowKind::tls, Direction::egress, 2 * kMs, rest, 1040, 6, "198.18.0.3", 443));
    ASSERT_EQ(out.connections.size(), 1u);
    EXPECT_EQ(out.connections[0].host, "secure.test");
    EXPECT_EQ(out.connections[0].host_source, "tls-sni");
    EXPECT_TRUE(out.hellos.empty()) << "the tls record waits for the server's ServerHello";
    // The server's first payload completes it: version and (TLS 1.2) the protocol it chose.
    inspector.on_payload(payload(4, 7, FlowKind::tls, Direction::ingress, 3 * kMs,
                                 test::read_packet_fixture("server_hello_tls12_alpn_h2.hex"), 0, 6, "198.18.0.3", 443));
    ASSERT_EQ(out.hellos.size(), 1u);
    EXPECT_EQ(out.hellos[0].sni, "secure.test");
    EXPECT_EQ(out.hellos[0].alpn, (std::vector<std::string>{"h2", "http/1.1"}));
    EXPECT_EQ(out.hellos[0].tls_version, "1.2");
    EXPECT_EQ(out.hellos[0].alpn_selected, "h2");
    EXPECT_EQ(out.order, (std::vector<std::string>{"connect", "tls"}));
}

// Without a ServerHello (a server that never answers), the tls record goes out after the hold.
TEST(FlowInspector, ATlsRecordWithoutServerHelloGoesOutAfterTheHold) {
    auto hello = test::read_packet_fixture("client_hello_sni_alpn.hex");
    Recorder out;
    FlowInspector inspector(out);
    inspector.on_connection(tcp_connect(4, 7, "198.18.0.3", 443));
    inspector.on_payload(payload(4, 7, FlowKind::tls, Direction::egress, 1 * kMs, hello, 1000, 6, "198.18.0.3", 443));
    inspector.tick(kT0 + 500 * kMs);
    EXPECT_TRUE(out.hellos.empty());
    inspector.tick(kT0 + 1002 * kMs);
    ASSERT_EQ(out.hellos.size(), 1u);
    EXPECT_FALSE(out.hellos[0].tls_version);
    EXPECT_FALSE(out.hellos[0].alpn_selected);
}

TlsDataRecord tls_data(std::uint64_t cookie, std::uint32_t pid, FlowKind kind, Direction dir, std::int64_t t,
                       const std::string& text) {
    TlsDataRecord r;
    r.ts_ns = kT0 + t;
    TlsDataEvent& e = r.event;
    e.task.pid = e.task.tid = pid;
    e.task.comm = "curl";
    e.session = 0x5000 + cookie;
    e.library = 1;  // openssl
    e.socket_source = TlsSocketSource::in_call;
    e.socket = TlsSocket{cookie, *IpAddress::parse("198.18.0.3"), 443};
    e.direction = dir;
    e.flow_kind = kind;
    e.length = static_cast<std::uint32_t>(text.size());
    e.data.assign(text.begin(), text.end());
    return r;
}

// Every TLS connection ends with a statement: how many requests were read from its plaintext
// and through which library, or why none were (asked of the process at its ClientHello).
TEST(FlowInspector, EveryTlsConnectionEndsSayingWhetherItsRequestsWereSeen) {
    auto hello = test::read_packet_fixture("client_hello_sni_alpn.hex");
    Recorder out;
    InspectorOptions options;
    std::vector<std::uint32_t> asked;
    options.tls_not_visible_reason = [&](std::uint32_t pid, const std::string& exe) {
        asked.push_back(pid);
        EXPECT_EQ(exe, "") << "no process table here: the kernel's task names no exe";
        return std::string("not-probed: go");
    };
    FlowInspector inspector(out, options);
    for (std::uint64_t cookie : {4, 5, 6}) {
        inspector.on_connection(tcp_connect(cookie, 7, "198.18.0.3", 443));
        inspector.on_payload(
            payload(cookie, 7, FlowKind::tls, Direction::egress, 1 * kMs, hello, 1000, 6, "198.18.0.3", 443));
    }
    // Cookie 4: two requests read from plaintext; 5: plaintext that is not HTTP; 6: nothing.
    for (const char* path : {"/a", "/b"}) {
        inspector.on_tls_data(tls_data(4, 7, FlowKind::http, Direction::egress, 2 * kMs,
                                       std::string("GET ") + path + " HTTP/1.1\r\nHost: secure.test\r\n\r\n"));
        inspector.on_tls_data(tls_data(4, 7, FlowKind::http, Direction::ingress, 3 * kMs,
                                       "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
    }
    inspector.on_tls_data(tls_data(5, 7, FlowKind::other, Direction::egress, 2 * kMs, "EHLO mail.test\r\n"));
    EXPECT_TRUE(out.ends.empty()) << "said when the connection's inspection ends, not before";
    inspector.flush();
    ASSERT_EQ(out.ends.size(), 3u);
    std::map<std::uint64_t, TlsEndRecord> by_cookie;
    for (const auto& e : out.ends) by_cookie[e.cookie] = e;
    EXPECT_EQ(by_cookie[4].requests, 2u);
    EXPECT_EQ(by_cookie[4].library, "openssl");
    EXPECT_FALSE(by_cookie[4].not_visible);
    EXPECT_EQ(by_cookie[4].sni, "secure.test");
    EXPECT_EQ(by_cookie[4].process.pid, 7u);
    EXPECT_TRUE(by_cookie[5].plaintext_not_http);
    EXPECT_FALSE(by_cookie[5].not_visible) << "its plaintext was seen";
    EXPECT_EQ(by_cookie[6].requests, 0u);
    EXPECT_EQ(by_cookie[6].not_visible, "not-probed: go");
    EXPECT_EQ(asked, (std::vector<std::uint32_t>{7, 7, 7}));
}

// HTTP/2 pieces (as bpf/lib/tls_h2.bpf.h copies them) become one http record per stream, with
// the same redaction as HTTP/1; past max_h2_sessions, the decoder idle longest ends first and
// what it held goes out unfinished.
TEST(FlowInspector, Http2PiecesBecomeOneRecordPerStreamAndDecodersAreBounded) {
    using namespace http2::peers;
    Peers peers;
    auto get = [](const std::string& path) {
        return Headers{{":method", "GET"}, {":scheme", "https"}, {":authority", "secure.test"}, {":path", path}};
    };
    const auto a = peers.request(get("/a?token=secret123"));
    const auto b = peers.request(get("/b"));
    peers.flush();
    peers.respond(a, {{":status", "200"}}, "hello");
    peers.respond(b, {{":status", "404"}});
    peers.flush();
    auto piece_record = [](const Piece& p, std::uint64_t session) {
        TlsDataRecord r =
            tls_data(9, 7, FlowKind::http2, p.side == http2::Side::client ? Direction::egress : Direction::ingress,
                     p.ts, p.bytes);
        r.event.session = session;
        r.event.offset = p.offset;
        r.event.frame_start = p.frame_start;
        return r;
    };
    Recorder out;
    InspectorOptions options;
    options.max_h2_sessions = 1;
    FlowInspector inspector(out, options);
    for (const Piece& p : peers.kernel_copies()) inspector.on_tls_data(piece_record(p, 1));
    ASSERT_EQ(out.requests.size(), 2u);
    // In the order the streams finished: /b's answer has no body, /a's ends with its DATA.
    const HttpRecord& first = out.requests[1];
    EXPECT_EQ(first.http_version, "2");
    EXPECT_EQ(first.path.substr(0, 9), "/a?token=");
    EXPECT_EQ(first.path.find("secret123"), std::string::npos) << "query values redacted as for HTTP/1: " << first.path;
    EXPECT_EQ(first.status, 200);
    EXPECT_EQ(first.response_bytes, 5u);
    EXPECT_EQ(first.host, "secure.test");
    EXPECT_EQ(first.tls_library, "openssl");
    EXPECT_EQ(out.requests[0].path, "/b");
    EXPECT_EQ(out.requests[0].status, 404);

    // A second session's request, then the first session's next request, unanswered: each new
    // session ends the other, whose open request goes out without a response.
    Peers other;
    other.request(get("/c"));
    other.flush();
    for (const Piece& p : other.kernel_copies())
        if (p.side == http2::Side::client) inspector.on_tls_data(piece_record(p, 2));
    EXPECT_EQ(out.requests.size(), 2u);
    EXPECT_EQ(inspector.counts().h2_sessions_evicted, 1u);
    inspector.flush();
    ASSERT_EQ(out.requests.size(), 3u);
    EXPECT_EQ(out.requests[2].path, "/c");
    EXPECT_FALSE(out.requests[2].status);
}

// An answer that arrives before its request (a request lost, or reported out of order) is
// counted as a loss, not dropped in silence; on a session joined mid-connection it is expected
// (the request went before the join) and not counted.
TEST(FlowInspector, Http2AnswersWithoutTheirRequestAreCounted) {
    using namespace http2::peers;
    Peers peers;
    const auto a = peers.request(
        Headers{{":method", "GET"}, {":scheme", "https"}, {":authority", "secure.test"}, {":path", "/a"}});
    peers.flush();
    peers.respond(a, {{":status", "200"}});
    peers.flush();
    std::vector<Piece> server, client;
    for (const Piece& p : peers.kernel_copies()) (p.side == http2::Side::server ? server : client).push_back(p);
    Recorder out;
    FlowInspector inspector(out);
    auto feed = [&](const Piece& p) {
        TlsDataRecord r =
            tls_data(9, 7, FlowKind::http2, p.side == http2::Side::client ? Direction::egress : Direction::ingress,
                     p.ts, p.bytes);
        r.event.session = 1;
        r.event.offset = p.offset;
        r.event.frame_start = p.frame_start;
        inspector.on_tls_data(r);
    };
    feed(client.front());  // the preface: the session is seen from its start
    for (const Piece& p : server) feed(p);
    EXPECT_EQ(inspector.counts().h2_requests_unseen, 1u);
    EXPECT_TRUE(out.requests.empty());
}

TEST(FlowInspector, AGapInTheHelloReleasesTheConnectUnnamed) {
    auto hello = test::read_packet_fixture("client_hello_sni_alpn.hex");
    std::vector<std::uint8_t> first(hello.begin(), hello.begin() + 60), later(hello.begin() + 80, hello.end());
    Recorder out;
    FlowInspector inspector(out);
    inspector.on_connection(tcp_connect(5, 7, "198.18.0.3", 443));
    inspector.on_payload(payload(5, 7, FlowKind::tls, Direction::egress, 0, first, 1000, 6, "198.18.0.3", 443));
    inspector.on_payload(payload(5, 7, FlowKind::tls, Direction::egress, 0, later, 1080, 6, "198.18.0.3", 443));
    ASSERT_EQ(out.connections.size(), 1u);
    EXPECT_FALSE(out.connections[0].host);
    EXPECT_TRUE(out.hellos.empty());
    EXPECT_EQ(inspector.counts().unparsed, 1u);
}

TEST(FlowInspector, DnsAnswersNameLaterConnectsPerProcessFirst) {
    Recorder out;
    FlowInspector inspector(out);
    auto answer = dns_answer("www.mirror.test", "mirror.test", 198, 18, 0, 3);
    inspector.on_payload(payload(6, 7, FlowKind::dns, Direction::ingress, 0, answer, 0, 17, "198.18.0.53", 53));
    ASSERT_EQ(out.lookups.size(), 1u);
    EXPECT_EQ(out.lookups[0].question, "www.mirror.test");
    EXPECT_EQ(out.lookups[0].rcode, "NOERROR");
    ASSERT_EQ(out.lookups[0].answers.size(), 2u);
    EXPECT_EQ(out.lookups[0].answers[0].type, "CNAME");
    EXPECT_EQ(out.lookups[0].answers[0].target, "mirror.test");
    EXPECT_EQ(out.lookups[0].answers[1].address, IpAddress::parse("198.18.0.3"));

    // The process that asked gets the name it asked for; another process gets it as dns-any.
    inspector.on_connection(tcp_connect(7, 7, "198.18.0.3", 22, 1 * kMs));
    inspector.on_connection(tcp_connect(8, 9, "198.18.0.3", 22, 1 * kMs));
    inspector.tick(kT0 + 5000 * kMs);
    ASSERT_EQ(out.connections.size(), 2u) << "unnamed by payload, released at the deadline";
    EXPECT_EQ(out.connections[0].host, "www.mirror.test");
    EXPECT_EQ(out.connections[0].host_source, "dns-same-process");
    EXPECT_EQ(out.connections[1].host, "www.mirror.test");
    EXPECT_EQ(out.connections[1].host_source, "dns-any");
}

// The hold is bounded: past max_held, the oldest held connect goes out at once, in order.
TEST(FlowInspector, AtMostMaxHeldConnectsWaitAndTheOldestGoesFirst) {
    Recorder out;
    InspectorOptions options;
    options.hold_ns = 1000 * kMs;
    options.max_held = 2;
    FlowInspector inspector(out, options);
    inspector.on_connection(tcp_connect(10, 7, "198.18.0.3", 80, 0));
    inspector.on_connection(tcp_connect(11, 7, "198.18.0.4", 80, 0));
    EXPECT_TRUE(out.connections.empty());
    inspector.on_connection(tcp_connect(12, 7, "198.18.0.5", 80, 0));
    ASSERT_EQ(out.connections.size(), 1u);
    EXPECT_EQ(out.connections[0].cookie, 10u);
    EXPECT_EQ(inspector.counts().released_early, 1u);
    inspector.tick(kT0 + 1200 * kMs);
    ASSERT_EQ(out.connections.size(), 3u);
    EXPECT_EQ(out.connections[1].cookie, 11u);
    EXPECT_EQ(out.connections[2].cookie, 12u);
    EXPECT_EQ(inspector.counts().released_early, 1u) << "the others waited for their deadline";
}

TEST(FlowInspector, HeldConnectsWaitForTheirDeadlineThenGoOutInOrder) {
    Recorder out;
    InspectorOptions options;
    options.hold_ns = 1000 * kMs;
    FlowInspector inspector(out, options);
    inspector.on_connection(tcp_connect(10, 7, "198.18.0.3", 80, 0));
    inspector.on_connection(tcp_connect(11, 7, "198.18.0.4", 80, 500 * kMs));
    inspector.tick(kT0 + 900 * kMs);
    EXPECT_TRUE(out.connections.empty());
    inspector.tick(kT0 + 1200 * kMs);
    ASSERT_EQ(out.connections.size(), 1u);
    EXPECT_EQ(out.connections[0].cookie, 10u);
    // A repeat of the held connect lets it out first, so the repeat counts against it.
    RepeatRecord rep;
    rep.pid = 7;
    rep.destinations = {{*IpAddress::parse("198.18.0.9"), 80, 6, 1}, {*IpAddress::parse("198.18.0.4"), 80, 6, 2}};
    inspector.on_repeat(rep);
    EXPECT_EQ(out.order, (std::vector<std::string>{"connect", "connect", "repeat"}));
}

TEST(FlowInspector, UdpAndUnrecognisedFlowsAreNotHeld) {
    Recorder out;
    FlowInspector inspector(out);
    ConnectionRecord udp = tcp_connect(12, 7);
    udp.protocol = 17;
    inspector.on_connection(udp);
    EXPECT_EQ(out.connections.size(), 1u);
    inspector.on_connection(tcp_connect(13, 7, "198.18.0.3", 22));
    inspector.on_payload(payload(13, 7, FlowKind::other, Direction::egress, 0, text("SSH-2.0-OpenSSH_9.2\r\n")));
    EXPECT_EQ(out.connections.size(), 2u);
}

TEST(FlowInspector, BlockedConnectsAreNotHeldButStillGetTheirDnsName) {
    Recorder out;
    FlowInspector inspector(out);
    auto answer = dns_answer("www.evil.test", "evil.test", 198, 18, 0, 9);
    inspector.on_payload(payload(6, 7, FlowKind::dns, Direction::ingress, 0, answer, 0, 17, "198.18.0.53", 53));
    ConnectionRecord refused = tcp_connect(20, 7, "198.18.0.9", 80, 1 * kMs);
    refused.verdict = Verdict::blocked;
    inspector.on_connection(refused);
    ASSERT_EQ(out.connections.size(), 1u) << "no payload will come to name a refused connect";
    EXPECT_EQ(out.connections[0].verdict, Verdict::blocked);
    EXPECT_EQ(out.connections[0].host, "www.evil.test");
    EXPECT_EQ(out.connections[0].host_source, "dns-same-process");

    ConnectionRecord unchecked = tcp_connect(21, 7, "198.18.0.9", 443, 2 * kMs);
    unchecked.verdict = Verdict::unverified;
    inspector.on_connection(unchecked);
    EXPECT_EQ(out.connections.size(), 1u) << "an unverified connect got out: it waits for its name like any other";
    inspector.flush();
    ASSERT_EQ(out.connections.size(), 2u);
    EXPECT_EQ(out.connections[1].verdict, Verdict::unverified);
}

TEST(FlowInspector, HostsFromAuthority) {
    EXPECT_EQ(host_from_authority("Mirror.Test:8080"), "mirror.test");
    EXPECT_EQ(host_from_authority("user:pw@deb.test"), "deb.test");
    EXPECT_EQ(host_from_authority("example.org."), "example.org");
    EXPECT_FALSE(host_from_authority("198.18.0.3:80")) << "an address literal is not a name";
    EXPECT_FALSE(host_from_authority("[fd00::2]:80"));
    EXPECT_FALSE(host_from_authority("fd00::2"));
    EXPECT_FALSE(host_from_authority(""));
    EXPECT_FALSE(host_from_authority("bad host"));
}

}  // namespace
}  // namespace egresswatch
