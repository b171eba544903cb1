#pragma once
// One small, fixed session used by the aggregator and writer tests.

#include "base/timefmt.h"
#include "report/aggregator.h"

namespace egresswatch::test {

constexpr std::int64_t kT0 = 1'795'000'000'000'000'000;  // 2026-11-18T...Z, fixed

inline ProcessRef process(std::uint32_t pid, const char* comm, const char* exe, std::vector<Ancestor> ancestry = {}) {
    ProcessRef p;
    p.pid = p.tid = pid;
    p.uid = 0;
    p.comm = comm;
    p.exe = exe;
    p.argv = {comm};
    p.cgroup = "/egresswatch-run-1";
    p.ancestry = std::move(ancestry);
    return p;
}

inline ConnectionRecord connection(SockEventKind kind, std::int64_t dt_ms, const char* addr, std::uint16_t port,
                                   std::uint8_t proto, ProcessRef p) {
    ConnectionRecord r;
    r.kind = kind;
    r.ts_ns = kT0 + dt_ms * 1'000'000;
    IpAddress ip = *IpAddress::parse(addr);
    r.v4_mapped = ip.is_v4_mapped();
    r.address = ip.unmapped();
    r.port = port;
    r.protocol = proto;
    r.cookie = 100 + static_cast<std::uint64_t>(dt_ms);
    r.process = std::move(p);
    return r;
}

inline ConnectionRecord named(ConnectionRecord r, const char* host, const char* source) {
    r.host = host;
    r.host_source = source;
    return r;
}

inline HttpRecord http(std::int64_t dt_ms, const ConnectionRecord& conn, const char* host, const char* method,
                       const char* path, std::optional<int> status, std::optional<double> ms,
                       std::optional<std::string> file_type) {
    HttpRecord r;
    r.ts_ns = kT0 + dt_ms * 1'000'000;
    r.process = conn.process;
    r.address = conn.address;
    r.port = conn.port;
    r.cookie = conn.cookie;
    r.host = host;
    r.method = method;
    r.path = path;
    r.user_agent = "curl/7.88.1";
    r.headers = {{"Host", host}, {"Authorization", "Bearer REDACTED"}};
    r.status = status;
    r.response_time_ms = ms;
    if (status) r.response_bytes = 1000;
    r.file_type = std::move(file_type);
    return r;
}

// What the flow inspector adds to a session: a DNS answer, names on connections, a TLS
// hello, and HTTP requests to two virtual hosts on one address.
inline void play_names(RecordSink& sink, const ProcessRef& curl, const ProcessRef& wget) {
    DnsLookupRecord dns;
    dns.ts_ns = kT0 + 6'100'000;
    dns.process = curl;
    dns.protocol = 17;
    dns.server = *IpAddress::parse("198.18.0.53");
    dns.server_port = 53;
    dns.id = 4242;
    dns.question = "www.mirror.example";
    dns.qtype = "A";
    dns.rcode = "NOERROR";
    dns.answers = {{"www.mirror.example", "CNAME", 60, std::nullopt, "mirror.example"},
                   {"mirror.example", "A", 60, IpAddress::parse("198.18.0.3"), ""}};
    sink.on_dns(dns);
    auto mirror =
        named(connection(SockEventKind::connect, 6, "198.18.0.3", 80, 6, curl), "mirror.example", "http-host");
    mirror.ts_ns += 200'000;
    sink.on_connection(mirror);
    sink.on_http(http(6, mirror, "mirror.example", "GET", "/pool/main/x_1.0_amd64.deb", 200, 1.5, "package"));
    sink.on_http(http(6, mirror, "mirror.example", "GET", "/pool/main/x_1.0_amd64.deb", 200, 2.5, "package"));
    sink.on_http(http(6, mirror, "mirror.example", "GET", "/api/v1/status?token=REDACTED", 404, 0.5, std::nullopt));
    auto vhost = named(connection(SockEventKind::connect, 6, "198.18.0.3", 80, 6, wget), "other.example", "http-host");
    vhost.cookie += 1;
    sink.on_connection(vhost);
    sink.on_http(http(6, vhost, "other.example", "POST", "/upload", std::nullopt, std::nullopt, std::nullopt));
    auto secure = named(connection(SockEventKind::connect, 6, "198.18.0.3", 443, 6, curl), "secure.example", "tls-sni");
    secure.cookie += 2;
    sink.on_connection(secure);
    TlsRecord tls;
    tls.ts_ns = secure.ts_ns;
    tls.process = curl;
    tls.address = secure.address;
    tls.port = 443;
    tls.cookie = secure.cookie;
    tls.sni = "secure.example";
    tls.alpn = {"h2", "http/1.1"};
    sink.on_tls(tls);
}

// Feeds the fixed session to any sink.
inline void play_fixture_session(RecordSink& sink) {
    std::vector<Ancestor> from_deploy{{100, "deploy.sh", "/srv/deploy.sh"}};
    SessionStart start;
    start.ts_ns = kT0;
    start.mode = "run";
    start.command = {"./deploy.sh"};
    start.cgroup = "/egresswatch-run-1";
    start.version = "0.1.0";
    start.kernel_features = {{"connections", "cgroup/connect4+connect6"}};
    sink.on_start(start);
    auto curl = process(101, "curl", "/usr/bin/curl", from_deploy);
    auto py = process(102, "python3", "/usr/bin/python3.11", from_deploy);
    auto wget = process(103, "wget", "/usr/bin/wget", from_deploy);
    auto bash = process(100, "deploy.sh", "/srv/deploy.sh");
    sink.on_connection(connection(SockEventKind::connect, 1, "93.184.216.34", 443, 6, curl));
    sink.on_connection(connection(SockEventKind::connect, 2, "198.18.0.2", 8080, 6, curl));
    sink.on_connection(connection(SockEventKind::send, 3, "fd00::53", 53, 17, py));
    sink.on_connection(connection(SockEventKind::connect, 4, "127.0.0.1", 9, 6, bash));
    sink.on_connection(connection(SockEventKind::connect, 5, "::ffff:93.184.216.34", 443, 6, wget));
    RepeatRecord rep;
    rep.ts_ns = kT0 + 6'000'000;
    rep.pid = 102;
    rep.exe = "/usr/bin/python3.11";
    rep.comm = "python3";
    rep.destinations = {{*IpAddress::parse("fd00::53"), 53, 17, 4}};
    sink.on_repeat(rep);
    RepeatRecord again = rep;  // curl reconnected to the same destination three more times
    again.kind = SockEventKind::connect;
    again.pid = 101;
    again.exe = "/usr/bin/curl";
    again.comm = "curl";
    again.destinations = {{*IpAddress::parse("93.184.216.34"), 443, 6, 3}};
    sink.on_repeat(again);
    play_names(sink, curl, wget);
    ExitRecord exit;
    exit.ts_ns = kT0 + 7'000'000;
    exit.pid = 101;
    exit.comm = "curl";
    exit.exe = "/usr/bin/curl";
    sink.on_exit(exit);
    sink.on_loss(LossRecord{kT0 + 8'000'000, {{"ringbuf_full_connect", 1}}});
    sink.on_loss(LossRecord{kT0 + 9'000'000, {{"ringbuf_full_connect", 2}}});
    sink.on_stop(SessionStop{kT0 + 10'000'000, 0});
}

}  // namespace egresswatch::test
