#pragma once
// Turns the payload the kernel copied into names and requests, and joins them to the
// connection and process that caused them:
//  - DNS answers teach the name book which name each address was given, per process;
//  - a TLS ClientHello (reassembled across segments) names its connection by SNI;
//  - HTTP request heads name their connection by Host, and pair with response heads
//    (in order, keep-alive and pipelining included) into one record per request;
//  - plaintext from TLS library calls is parsed the same way once its session's socket
//    is known (the kernel says so with the data, or in a bind event that follows it), so
//    an HTTPS request joins the connection, its SNI name and its process.
// A TCP connect is held back briefly, until its first payload says which host it was
// for, so that the connect record itself carries the best name; everything else passes
// straight through to the next stage, a connect --enforce refused too (it has no payload).

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "pipeline/kernel_record_sink.h"
#include "pipeline/name_book.h"
#include "pipeline/process_namer.h"
#include "pipeline/record_sink.h"
#include "protocols/http2/connection.h"

namespace egresswatch {

struct InspectorOptions {
    bool redact = true;
    // How long a TCP connect waits for the payload that names it.
    std::int64_t hold_ns = 1'000'000'000;
    // A request with no response head after this long is reported without one.
    std::int64_t response_timeout_ns = 30'000'000'000;
    // Flows with no payload for this long are forgotten.
    std::int64_t idle_flow_ns = 120'000'000'000;
    std::size_t max_flows = 65536;
    // HTTP/2 sessions decoded at once. A decoder holds its streams' header blocks (bounded, up
    // to megabytes for a hostile peer), so beyond this many the one idle longest ends first.
    std::size_t max_h2_sessions = 1024;
    // TCP connects held at once. Each holds its whole record (process, argv, ancestry: about
    // 0.7 KB), so the hold must not grow with the rate of new connections: at 50k a second a
    // 1 s hold took 27 MB more (bench/output_memory_bench.cpp), 8192 held took 7.7 MB in the
    // soak's first seconds (bench/soak.sh, heaptrack). Beyond this many, the oldest goes out at
    // once, named as an unheld connect is (by DNS answers). A connect whose payload comes goes
    // out with it, within milliseconds: only more than 40k new connects a second, each named
    // more than 50 ms after its connect, would see one go out early.
    std::size_t max_held = 2048;
    // Largest ClientHello reassembled (a TLS record is at most 16 KiB).
    std::size_t max_client_hello = 16 * 1024 + 5;
    // Why a process's HTTPS requests may not be visible (protocols/tls/coverage.h), asked at
    // each ClientHello while the process runs; said in the connection's tls_end record if no
    // request of it was seen. Unset: "not-covered: unknown".
    // exe: the process's program as the process table knows it, for one that already exited.
    std::function<std::string(std::uint32_t pid, const std::string& exe)> tls_not_visible_reason;
};

struct InspectorCounts {
    std::uint64_t dns_responses = 0, tls_hellos = 0, http_requests = 0, http_unanswered = 0;
    std::uint64_t unparsed = 0;             // payload that claimed a protocol and did not parse as it
    std::uint64_t tls_requests = 0;         // HTTP requests read from TLS library calls
    std::uint64_t tls_unjoined = 0;         // TLS data whose socket never became known
    std::uint64_t tls_not_http = 0;         // TLS sessions whose plaintext is not HTTP/1.x or HTTP/2
    std::uint64_t h2_requests = 0;          // HTTP/2 streams reported (also in http_requests)
    std::uint64_t h2_desync = 0;            // ... of which a header block could not be decoded whole
    std::uint64_t tls_ends = 0;             // TLS connections whose inspection ended (tls_end records)
    std::uint64_t h2_sessions_evicted = 0;  // HTTP/2 decoders ended early: max_h2_sessions reached
    // HTTP/2 answers to client streams whose request was never seen, in sessions seen from their
    // start: a request lost on the way (never a pushed stream, nor one sent before a join).
    std::uint64_t h2_requests_unseen = 0;
    std::uint64_t released_early = 0;  // held connects let out before their deadline (max_held)
};

class FlowInspector final : public KernelRecordSink {
public:
    // Records go to `out`, the next stage. Without `processes`, records name processes by what
    // the kernel said: pid, tid, uid, comm.
    explicit FlowInspector(RecordSink& out, InspectorOptions options = {}, const ProcessNamer* processes = nullptr);

    void on_connection(const ConnectionRecord& r) override;
    void on_exec(const ExecRecord& r) override { out_.on_exec(r); }
    void on_exit(const ExitRecord& r) override { out_.on_exit(r); }
    void on_repeat(const RepeatRecord& r) override;
    void on_payload(const PayloadRecord& r) override;
    void on_tls_data(const TlsDataRecord& r) override;
    void on_tls_bind(const TlsBindRecord& r) override;

    // Releases held connects and unanswered requests that have waited long enough.
    void tick(std::int64_t now_ns);
    // Releases everything still held: the session is ending.
    void flush();

    const InspectorCounts& counts() const { return counts_; }
    const NameBook& names() const { return names_; }

private:
    // A TLS connection (its ClientHello was seen) until its tls_end record.
    struct TlsConnection {
        TaskContext task;
        IpAddress address;
        std::uint16_t port = 0;
        std::optional<std::string> sni;
        std::uint64_t requests = 0;
        std::string_view library;  // whose plaintext of it was seen; empty: none
        bool plaintext_not_http = false;
        std::string reason_if_none;
    };
    struct Flow {
        std::int64_t last_seen_ns = 0;
        std::optional<TlsConnection> tls;
        // The TLS record, held until the server's ServerHello completes it (or hold_ns passes).
        std::optional<TlsRecord> pending_tls;
        std::int64_t pending_tls_deadline_ns = 0;
        std::optional<NamedHost> host;
        std::vector<std::uint8_t> hello;  // ClientHello bytes so far
        std::optional<std::uint32_t> hello_next_seq;
        bool hello_done = false;
        std::deque<HttpRecord> awaiting_response;
    };
    // Bytes of one flow that may hold HTTP heads: a packet, or a TLS call's plaintext.
    struct HttpBytes {
        std::int64_t ts_ns = 0;
        const TaskContext* task = nullptr;
        std::uint64_t cookie = 0;  // 0: the socket is not known
        IpAddress address;
        std::uint16_t port = 0;
        std::string_view bytes;
        std::string_view tls_library;  // empty: seen on the wire
    };
    struct TlsSession {
        std::optional<TlsSocket> socket;
        std::deque<TlsDataRecord> waiting;  // data that came before its socket
        std::int64_t last_seen_ns = 0;
    };
    using TlsSessionKey = std::pair<std::uint32_t, std::uint64_t>;  // pid, library session
    // An HTTP/2 session: its decoder, and who it belongs to.
    struct H2Session {
        std::unique_ptr<http2::Connection> connection;
        std::uint64_t session = 0;  // the library's session object
        TaskContext task;
        std::optional<TlsSocket> socket;
        std::string_view tls_library;  // empty: h2c, cleartext from packets
        std::int64_t last_seen_ns = 0;
        bool joined = false;  // first seen mid-connection: requests before the join are unseen
    };
    struct HeldConnection {
        ConnectionRecord record;
        std::int64_t deadline_ns = 0;
    };

    Flow& flow_for(const PayloadRecord& r);
    void inspect_dns(const PayloadRecord& r);
    void inspect_tls(const PayloadRecord& r, Flow& flow);
    void inspect_http_request(const HttpBytes& b, Flow& flow);
    void inspect_http_response(const HttpBytes& b, Flow& flow);
    void inspect_tls_data(const TlsDataRecord& r, const std::optional<TlsSocket>& socket);
    void inspect_h2_data(const TlsDataRecord& r, const std::optional<TlsSocket>& socket);
    void emit_h2(const H2Session& session, const http2::Exchange& exchange);
    void end_h2(H2Session& session);
    Flow& flow_at(std::uint64_t key, std::int64_t ts_ns);
    void name_flow(std::uint64_t cookie, Flow& flow, std::optional<NamedHost> host);
    void release(std::uint64_t cookie);
    void emit_connection(ConnectionRecord record, const std::optional<NamedHost>& payload_host);
    void forget(std::unordered_map<std::uint64_t, Flow>::iterator it);
    void end_tls(std::uint64_t cookie, Flow& flow, std::int64_t ts_ns);
    void inspect_server_hello(const PayloadRecord& r, Flow& flow);
    void release_tls_record(Flow& flow);

    ProcessRef process_of(const TaskContext& task) const;

    RecordSink& out_;
    InspectorOptions options_;
    const ProcessNamer* processes_;
    NameBook names_;
    InspectorCounts counts_;
    std::unordered_map<std::uint64_t, Flow> flows_;  // by socket cookie
    std::unordered_map<std::uint64_t, HeldConnection> held_;
    std::deque<std::uint64_t> held_order_;  // deadlines are in this order
    std::map<TlsSessionKey, TlsSession> tls_sessions_;
    std::map<TlsSessionKey, H2Session> h2_sessions_;
};

// The host an HTTP Host header or authority names: lower-cased, without port or
// brackets; nullopt for an address literal, which names nothing.
std::optional<std::string> host_from_authority(std::string_view authority);

}  // namespace egresswatch
