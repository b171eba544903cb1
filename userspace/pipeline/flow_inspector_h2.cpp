// HTTP/2 in TLS plaintext or in cleartext packets (h2c): the pieces the kernel copied
// (bpf/lib/tls_h2.bpf.h, h2c.bpf.h) go to one decoder per session (protocols/http2), and each stream it reports becomes
// an http record, as an HTTP/1 request does: the same host rules, redaction and file classification.
#include <nghttp2/nghttp2.h>

#include <algorithm>

#include "egresswatch/abi.h"
#include "pipeline/flow_inspector.h"
#include "pipeline/flow_records.h"
#include "protocols/http/artifact.h"
#include "protocols/tls/library.h"
#include "redaction/redaction.h"
#include "redaction/text_redaction.h"

namespace egresswatch {

void FlowInspector::inspect_h2_data(const TlsDataRecord& r, const std::optional<TlsSocket>& socket) {
    const TlsDataEvent& e = r.event;
    TlsSessionKey key{e.task.pid, e.session};
    if (h2_sessions_.size() >= options_.max_h2_sessions && !h2_sessions_.contains(key)) {
        auto oldest = std::min_element(h2_sessions_.begin(), h2_sessions_.end(), [](const auto& a, const auto& b) {
            return a.second.last_seen_ns < b.second.last_seen_ns;
        });
        end_h2(oldest->second);
        h2_sessions_.erase(oldest);
        ++counts_.h2_sessions_evicted;
    }
    H2Session& session = h2_sessions_[key];
    if (!session.connection) {
        session.connection = std::make_unique<http2::Connection>(!e.joined);
        session.joined = e.joined;
        session.session = e.session;
        auto library = tls_library_from_abi(e.library);
        if (library)
            session.tls_library = tls_library_name(*library);
        else if (e.library != EW_TLS_LIB_NONE)
            session.tls_library = "tls";
    }
    session.task = e.task;
    if (socket) session.socket = socket;
    session.last_seen_ns = std::max(session.last_seen_ns, r.ts_ns);
    // A piece the kernel could not read in full is fed as far as it was read: the decoder
    // sees the rest as missing.
    auto side = e.direction == Direction::egress ? http2::Side::client : http2::Side::server;
    session.connection->feed(side, e.offset, text_of(e.data), e.frame_start, r.ts_ns);
    for (const http2::Exchange& x : session.connection->take_finished()) emit_h2(session, x);
}

void FlowInspector::end_h2(H2Session& session) {
    if (!session.connection) return;
    for (const http2::Exchange& x : session.connection->take_all()) emit_h2(session, x);
}

void FlowInspector::emit_h2(const H2Session& session, const http2::Exchange& x) {
    // Pushed streams and streams seen only by their response have no request to report. A
    // client's stream (odd id) answered but never asked, on a connection seen from its start,
    // is a request lost: counted, never silent.
    if (!x.request_ts_ns && !x.method && !x.path) {
        if (x.stream_id % 2 == 1 && !session.joined) ++counts_.h2_requests_unseen;
        return;
    }
    const TlsSocket* socket = session.socket ? &*session.socket : nullptr;
    std::uint64_t cookie = socket ? socket->cookie : 0;
    IpAddress address = socket ? socket->remote : IpAddress{};
    auto out = record_for<HttpRecord>(x.request_ts_ns ? x.request_ts_ns : session.last_seen_ns,
                                      process_of(session.task), address, socket ? socket->port : 0, cookie);
    out.tls = !session.tls_library.empty();
    out.tls_library = std::string(session.tls_library);
    out.http_version = "2";
    if (x.authority) out.host = host_from_authority(*x.authority);
    Flow& flow = flow_at(cookie ? cookie : unjoined_flow_key(session.task.pid, session.session), out.ts_ns);
    // In cleartext, as HTTP/1's Host does, the authority names the connection; over TLS the
    // SNI already has.
    if (out.host && !out.tls && cookie)
        name_flow(cookie, flow, NamedHost{*out.host, kHostSourceHttp});
    else if (!out.host && flow.host)
        out.host = flow.host->host;
    else if (!out.host && socket)
        if (auto named = names_.lookup(session.task.pid, address)) out.host = named->host;
    out.method = x.method.value_or("");
    if (x.path) out.path = options_.redact ? redact_target(*x.path) : *x.path;
    for (const http2::Field& h : x.request_headers) {
        if (h.name == "user-agent") out.user_agent = h.value;
        out.headers.emplace_back(h.name, options_.redact ? redact_header_value(h.name, h.value) : h.value);
    }
    if (x.request_bytes) out.request_bytes = x.request_bytes;
    out.status = x.status;
    if (x.request_ts_ns && x.response_ts_ns)
        out.response_time_ms = static_cast<double>(std::max<std::int64_t>(x.response_ts_ns - x.request_ts_ns, 0)) / 1e6;
    if (x.response_ts_ns) out.response_bytes = x.response_bytes;
    if (x.path) out.file_type = artifact_type(path_of(*x.path));
    if (flow.tls) {
        ++flow.tls->requests;
        flow.tls->library = session.tls_library;
    }
    out.grpc = x.grpc;
    out.grpc_status = x.grpc_status;
    out.hpack_desync = x.hpack_desync;
    if (x.reset_code) out.reset = nghttp2_http2_strerror(*x.reset_code);
    ++counts_.http_requests;
    if (out.tls) ++counts_.tls_requests;
    ++counts_.h2_requests;
    if (x.hpack_desync) ++counts_.h2_desync;
    out_.on_http(out);
}

}  // namespace egresswatch
