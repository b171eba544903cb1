#pragma once
// What userspace makes of kernel events once it has joined them with the process table:
// the records written to events.jsonl, aggregated into report.json, and read back by
// `egresswatch report`.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/ip_address.h"
#include "containers/container_info.h"
#include "pipeline/events.h"
#include "pipeline/process_table.h"

namespace egresswatch {

// A process as records name it.
struct ProcessRef {
    std::uint32_t pid = 0;
    std::uint32_t tid = 0;
    std::uint32_t uid = 0;
    std::string comm;
    std::string exe;
    std::vector<std::string> argv;
    std::string cgroup;
    std::vector<Ancestor> ancestry;
    bool ancestry_truncated = false;  // older ancestors than the 64 listed exist
    // The container the process ran in, and its pod, from its cgroup (containers/).
    std::optional<ContainerInfo> container;
};

struct ConnectionRecord {
    SockEventKind kind = SockEventKind::connect;
    std::int64_t ts_ns = 0;  // wall clock, ns since the epoch
    std::uint8_t protocol = 0;
    IpAddress address;       // v4-mapped already unmapped
    bool v4_mapped = false;  // the socket was IPv6 and the peer IPv4
    std::uint16_t port = 0;
    std::uint64_t cookie = 0;
    Verdict verdict = Verdict::allowed;  // a blocked attempt reached nothing: it is no destination
    ProcessRef process;
    std::optional<std::string> host;  // filled by name enrichers
    std::optional<std::string> host_source;
};

struct ExecRecord {
    std::int64_t ts_ns = 0;
    std::uint32_t ppid = 0;
    std::string filename;
    std::string interpreter;
    bool argv_truncated = false;
    ProcessRef process;
};

struct ExitRecord {
    std::int64_t ts_ns = 0;
    std::uint32_t pid = 0;
    std::string comm;
    std::string exe;
    std::uint32_t exit_code = 0;  // wait(2) status
};

// Connects and datagrams the kernel counted instead of sending as events (flow_dedup).
// Connects or datagrams the kernel counted instead of sending each as an event: for one
// process, the growth since its last record for each destination listed.
struct RepeatCount {
    IpAddress address;
    std::uint16_t port = 0;
    std::uint8_t protocol = 0;
    std::uint64_t count = 0;
    bool operator==(const RepeatCount&) const = default;
};

struct RepeatRecord {
    std::int64_t ts_ns = 0;
    SockEventKind kind = SockEventKind::send;
    std::uint32_t pid = 0;
    std::string exe;
    std::string comm;
    std::vector<RepeatCount> destinations;
};

// One DNS answer as records show it.
struct DnsAnswerEntry {
    std::string name;
    std::string type;  // A, AAAA, CNAME, ...
    std::uint32_t ttl = 0;
    std::optional<IpAddress> address;  // A, AAAA
    std::string target;                // CNAME
};

// A DNS response an observed process received (over UDP or TCP).
struct DnsLookupRecord {
    std::int64_t ts_ns = 0;
    ProcessRef process;
    std::uint8_t protocol = 0;
    IpAddress server;
    std::uint16_t server_port = 0;
    std::uint16_t id = 0;
    std::string question;
    std::string qtype;
    std::string rcode;
    bool incomplete = false;  // the capture ended inside the message
    std::vector<DnsAnswerEntry> answers;
};

// A TLS ClientHello seen on a connection.
struct TlsRecord {
    std::int64_t ts_ns = 0;
    ProcessRef process;
    IpAddress address;
    std::uint16_t port = 0;
    std::uint64_t cookie = 0;
    std::optional<std::string> sni;
    std::vector<std::string> alpn;
    // From the server's ServerHello, when it was seen: the version, and the protocol it chose
    // when it said so in clear (TLS 1.2 and older; TLS 1.3 encrypts it).
    std::optional<std::string> tls_version;
    std::optional<std::string> alpn_selected;
};

// The end of a TLS connection's inspection (its flow went idle, or the session ended): how
// many of its requests were read from plaintext, through which library, and, when none were,
// why (protocols/tls/coverage.h). No HTTPS connection's requests go missing unsaid.
struct TlsEndRecord {
    std::int64_t ts_ns = 0;
    ProcessRef process;
    IpAddress address;
    std::uint16_t port = 0;
    std::uint64_t cookie = 0;
    std::optional<std::string> sni;
    std::uint64_t requests = 0;
    std::optional<std::string> library;      // whose plaintext of this connection was seen
    bool plaintext_not_http = false;         // its plaintext was seen, and is no HTTP egresswatch reads
    std::optional<std::string> not_visible;  // why no request was seen; unset when some were
};

// One HTTP request and, when it came, the head of its response.
struct HttpRecord {
    std::int64_t ts_ns = 0;  // when the request head left
    ProcessRef process;
    IpAddress address;
    std::uint16_t port = 0;
    std::uint64_t cookie = 0;
    bool tls = false;  // plaintext taken from a TLS library (uprobes)
    std::string tls_library;
    std::optional<std::string> host;
    std::string http_version;  // "1.1", "1.0", "2"
    std::string method;
    std::string path;  // query values redacted unless --no-redact; "" with hpack_desync: not known
    std::optional<std::string> user_agent;
    std::optional<std::uint64_t> request_bytes;                // request Content-Length
    std::vector<std::pair<std::string, std::string>> headers;  // secrets redacted
    std::optional<int> status;
    std::optional<double> response_time_ms;       // request head to first response byte
    std::optional<std::uint64_t> response_bytes;  // response Content-Length
    std::optional<std::string> file_type;         // a downloaded file, by kind (artifact.h)
    // The first bad header line of the request or its response, in words ("a control byte in
    // header X-Trace"; "response: ..."); the record is kept, with what could be read.
    std::optional<std::string> malformed;
    // HTTP/2: a gRPC call (request content-type application/grpc) and its grpc-status; the
    // header block could not be fully decoded (joined mid-connection, or bytes lost), so what
    // is missing is null; the stream was reset (RST_STREAM's error code, by name).
    bool grpc = false;
    std::optional<int> grpc_status;
    bool hpack_desync = false;
    std::optional<std::string> reset;
};

// Payload the kernel copied from a packet; event.task is the process that owns the socket.
// Never written out: the flow inspector turns it into the DNS, TLS and HTTP records above,
// and names the process only for the records it emits (most packets emit none).
struct PayloadRecord {
    std::int64_t ts_ns = 0;
    PayloadEvent event;
};

// Plaintext a TLS library call moved, and a TLS session's late-learned socket. Like
// payload, never written out: the flow inspector turns them into HTTP records.
struct TlsDataRecord {
    std::int64_t ts_ns = 0;
    TlsDataEvent event;
};

struct TlsBindRecord {
    std::int64_t ts_ns = 0;
    TlsBindEvent event;
};

// A destination the baseline allowlist does not allow, seen for the first time in this session
// (alerts/baseline_alerter.h). It carries the connection record that raised it.
struct AlertRecord {
    std::int64_t ts_ns = 0;
    ConnectionRecord connection;
    std::string baseline;  // the allowlist file, as given on the command line
    std::string reason = "not in baseline";
};

// "api.test:443/tcp", or "198.19.4.2:80/tcp" / "[fd00::2]:80/tcp" when no name is known:
// what alerts are deduplicated by and what they are called.
std::string alert_destination(const ConnectionRecord& r);

// The one stderr line: "new destination api.test:443/tcp (198.19.4.2) by /usr/bin/curl
// [pid 123, started by /bin/sh <- /usr/bin/bash]" (without the "egresswatch: alert: " prefix).
std::string alert_text(const AlertRecord& alert);

// Cumulative loss since the session started, by reason.
struct LossRecord {
    std::int64_t ts_ns = 0;
    std::map<std::string, std::uint64_t> reasons;
    std::uint64_t total() const;
};

// The first and last lines of events.jsonl: what was observed, how, and how it ended.
struct SessionStart {
    std::int64_t ts_ns = 0;
    std::string mode;                  // run | watch
    std::vector<std::string> command;  // run only
    std::string cgroup;
    std::string version;
    // The observing machine's name (gethostname): what tells one agent's records from
    // another's once a fleet's sessions are read together (report --from clickhouse).
    std::string hostname;
    std::map<std::string, std::string> kernel_features;
    std::optional<std::string> baseline;      // --baseline: the allowlist alerts are raised against
    std::optional<std::string> enforce;       // --enforce: the allowlist the kernel enforced
    std::optional<std::string> enforce_mode;  // fail-closed | fail-open
};

struct SessionStop {
    std::int64_t ts_ns = 0;
    std::optional<int> exit_code;  // run: the command's exit status
};

}  // namespace egresswatch
