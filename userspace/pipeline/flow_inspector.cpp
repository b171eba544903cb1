#include "pipeline/flow_inspector.h"
#include "pipeline/flow_records.h"

#include <algorithm>
#include <cctype>
#include <span>
#include <string_view>
#include <tuple>

#include "base/ascii.h"
#include "egresswatch/abi.h"
#include "protocols/dns/names.h"
#include "protocols/dns/parser.h"
#include "protocols/dns/resolutions.h"
#include "protocols/http/artifact.h"
#include "protocols/http/stream.h"
#include "protocols/tls/library.h"
#include "protocols/tls/parser.h"
#include "protocols/tls/server_hello.h"
#include "redaction/redaction.h"
#include "redaction/text_redaction.h"

namespace egresswatch {
namespace {

constexpr std::uint8_t kTcp = EW_IPPROTO_TCP;

DnsAnswerEntry answer_entry(const DnsRecord& r) {
    return DnsAnswerEntry{r.name, dns_type_name(r.type), r.ttl, r.address, r.target};
}

}  // namespace

std::optional<std::string> host_from_authority(std::string_view authority) {
    if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
    if (authority.empty()) return std::nullopt;
    if (authority.front() == '[') return std::nullopt;  // IPv6 literal
    if (auto colon = authority.find(':'); colon != std::string_view::npos) {
        // More than one colon without brackets: a bare IPv6 literal.
        if (authority.find(':', colon + 1) != std::string_view::npos) return std::nullopt;
        authority = authority.substr(0, colon);
    }
    while (!authority.empty() && authority.back() == '.') authority.remove_suffix(1);
    if (authority.empty() || IpAddress::parse(authority)) return std::nullopt;
    for (unsigned char c : authority)
        if (!(std::isalnum(c) || c == '-' || c == '.' || c == '_')) return std::nullopt;
    return ascii_lowercase(authority);
}

FlowInspector::FlowInspector(RecordSink& out, InspectorOptions options, const ProcessNamer* processes)
    : out_(out), options_(options), processes_(processes) {}

ProcessRef FlowInspector::process_of(const TaskContext& task) const {
    if (processes_) return processes_->name(task);
    ProcessRef ref;
    ref.pid = task.pid;
    ref.tid = task.tid;
    ref.uid = task.uid;
    ref.comm = task.comm;
    return ref;
}

void FlowInspector::on_connection(const ConnectionRecord& r) {
    // A refused connect sends nothing, so no payload will ever name it: only its DNS name can.
    bool held = r.kind == SockEventKind::connect && r.protocol == kTcp && r.cookie != 0 && options_.hold_ns > 0 &&
                r.verdict != Verdict::blocked;
    if (!held) {
        emit_connection(r, std::nullopt);
        return;
    }
    // The payload that names it may already have come (a reused cookie cannot: cookies
    // are never reused), so only a fresh flow waits.
    if (auto it = flows_.find(r.cookie); it != flows_.end() && it->second.host) {
        emit_connection(r, it->second.host);
        return;
    }
    while (held_.size() >= options_.max_held && !held_order_.empty()) {
        std::uint64_t oldest = held_order_.front();
        held_order_.pop_front();
        if (held_.contains(oldest)) {
            release(oldest);
            ++counts_.released_early;
        }
    }
    held_[r.cookie] = HeldConnection{r, r.ts_ns + options_.hold_ns};
    held_order_.push_back(r.cookie);
}

void FlowInspector::emit_connection(ConnectionRecord record, const std::optional<NamedHost>& payload_host) {
    if (payload_host) {
        record.host = payload_host->host;
        record.host_source = std::string(payload_host->source);
    } else if (!record.host) {
        if (auto named = names_.lookup(record.process.pid, record.address)) {
            record.host = named->host;
            record.host_source = std::string(named->source);
        }
    }
    out_.on_connection(record);
}

void FlowInspector::release(std::uint64_t cookie) {
    auto it = held_.find(cookie);
    if (it == held_.end()) return;
    auto flow = flows_.find(cookie);
    emit_connection(std::move(it->second.record), flow != flows_.end() ? flow->second.host : std::nullopt);
    held_.erase(it);
}

void FlowInspector::name_flow(std::uint64_t cookie, Flow& flow, std::optional<NamedHost> host) {
    if (host && (!flow.host || host_source_rank(host->source) > host_source_rank(flow.host->source))) flow.host = host;
    release(cookie);
}

FlowInspector::Flow& FlowInspector::flow_for(const PayloadRecord& r) { return flow_at(r.event.cookie, r.ts_ns); }

FlowInspector::Flow& FlowInspector::flow_at(std::uint64_t key, std::int64_t ts_ns) {
    if (flows_.size() >= options_.max_flows && !flows_.contains(key)) {
        // Full: forget the flow idle longest. Rare (tens of thousands of live flows), so a
        // scan is cheaper than keeping an index.
        auto oldest = std::min_element(flows_.begin(), flows_.end(), [](const auto& a, const auto& b) {
            return a.second.last_seen_ns < b.second.last_seen_ns;
        });
        forget(oldest);
    }
    Flow& flow = flows_[key];
    flow.last_seen_ns = std::max(flow.last_seen_ns, ts_ns);
    return flow;
}

void FlowInspector::on_payload(const PayloadRecord& r) {
    const PayloadEvent& e = r.event;
    switch (e.flow_kind) {
    case FlowKind::dns:
        inspect_dns(r);
        release(e.cookie);
        break;
    case FlowKind::tls: inspect_tls(r, flow_for(r)); break;
    case FlowKind::http: {
        HttpBytes b{r.ts_ns, &e.task, e.cookie, e.remote.unmapped(), e.port, text_of(e.data), {}};
        if (e.direction == Direction::egress)
            inspect_http_request(b, flow_for(r));
        else
            inspect_http_response(b, flow_for(r));
        break;
    }
    case FlowKind::other:
    case FlowKind::undecided:
    case FlowKind::http2:  // h2c comes as TLS data events (on_tls_data), never as payload
        // Nothing here names the connection: it goes out with its DNS name, if any.
        release(e.cookie);
        break;
    }
}

void FlowInspector::inspect_dns(const PayloadRecord& r) {
    const PayloadEvent& e = r.event;
    if (e.direction != Direction::ingress) return;  // the answer carries the question too
    std::span<const std::uint8_t> bytes(e.data);
    std::vector<DnsMessage> messages;
    if (e.protocol == kTcp) {
        messages = parse_dns_tcp(bytes);
    } else if (auto m = parse_dns_message(bytes)) {
        if (e.data.size() < e.length) m->incomplete = true;
        messages.push_back(std::move(*m));
    }
    if (messages.empty()) ++counts_.unparsed;
    for (const DnsMessage& m : messages) {
        if (!m.response) continue;
        ++counts_.dns_responses;
        for (const DnsResolution& res : dns_resolutions(m)) names_.learn(e.task.pid, res.address, res.name);
        DnsLookupRecord out;
        out.ts_ns = r.ts_ns;
        out.process = process_of(e.task);
        out.protocol = e.protocol;
        out.server = e.remote.unmapped();
        out.server_port = e.port;
        out.id = m.id;
        out.question = m.question;
        out.qtype = dns_type_name(m.question_type);
        out.rcode = dns_rcode_name(m.rcode);
        out.incomplete = m.incomplete;
        for (const DnsRecord& a : m.answers) out.answers.push_back(answer_entry(a));
        out_.on_dns(out);
    }
}

void FlowInspector::inspect_tls(const PayloadRecord& r, Flow& flow) {
    const PayloadEvent& e = r.event;
    if (e.direction == Direction::ingress) {
        inspect_server_hello(r, flow);
        return;
    }
    if (flow.hello_done) return;
    if (!flow.hello_next_seq) flow.hello_next_seq = e.tcp_seq;
    // Sequence arithmetic wraps: the signed difference says before, at or after.
    auto ahead = static_cast<std::int32_t>(e.tcp_seq - *flow.hello_next_seq);
    if (ahead > 0) {
        // A segment is missing (lost copy or capture budget): the hello cannot be completed.
        flow.hello_done = true;
        ++counts_.unparsed;
        release(e.cookie);
        return;
    }
    std::size_t overlap = static_cast<std::size_t>(-static_cast<std::int64_t>(ahead));
    if (overlap >= e.data.size()) return;  // a retransmission of bytes already seen
    flow.hello.insert(flow.hello.end(), e.data.begin() + static_cast<std::ptrdiff_t>(overlap), e.data.end());
    *flow.hello_next_seq = e.tcp_seq + static_cast<std::uint32_t>(e.data.size());

    ClientHelloResult result = parse_client_hello(flow.hello);
    if (result.status == ParseStatus::need_more && flow.hello.size() < options_.max_client_hello) return;
    flow.hello_done = true;
    std::vector<std::uint8_t>().swap(flow.hello);
    if (result.status != ParseStatus::complete) {
        ++counts_.unparsed;
        release(e.cookie);
        return;
    }
    ++counts_.tls_hellos;
    std::optional<NamedHost> host;
    if (result.hello.sni)
        if (auto name = host_from_authority(*result.hello.sni)) host = NamedHost{*name, kHostSourceSni};
    name_flow(e.cookie, flow, host);

    auto out = record_for<TlsRecord>(r.ts_ns, process_of(e.task), e.remote.unmapped(), e.port, e.cookie);
    out.sni = result.hello.sni;
    out.alpn = result.hello.alpn;
    TlsConnection tls;
    tls.task = e.task;
    tls.address = out.address;
    tls.port = out.port;
    tls.sni = out.sni;
    tls.reason_if_none = options_.tls_not_visible_reason ? options_.tls_not_visible_reason(e.task.pid, out.process.exe)
                                                         : "not-covered: unknown";
    flow.tls = std::move(tls);
    flow.pending_tls = std::move(out);
    flow.pending_tls_deadline_ns = r.ts_ns + options_.hold_ns;
}

void FlowInspector::inspect_server_hello(const PayloadRecord& r, Flow& flow) {
    if (!flow.pending_tls) return;
    ServerHelloResult result = parse_server_hello(r.event.data);
    if (result.status == ParseStatus::complete) {
        flow.pending_tls->tls_version = result.hello.version;
        flow.pending_tls->alpn_selected = result.hello.alpn;
    } else {
        ++counts_.unparsed;
    }
    release_tls_record(flow);
}

void FlowInspector::release_tls_record(Flow& flow) {
    if (!flow.pending_tls) return;
    TlsRecord out = std::move(*flow.pending_tls);
    flow.pending_tls.reset();
    out_.on_tls(out);
}

void FlowInspector::inspect_http_request(const HttpBytes& b, Flow& flow) {
    std::vector<HttpRequest> requests = parse_http_requests(b.bytes);
    if (requests.empty()) {
        ++counts_.unparsed;
        if (b.cookie) release(b.cookie);
        return;
    }
    const ProcessRef process = process_of(*b.task);
    for (const HttpRequest& req : requests) {
        auto out = record_for<HttpRecord>(b.ts_ns, process, b.address, b.port, b.cookie);
        out.tls = !b.tls_library.empty();
        out.tls_library = std::string(b.tls_library);
        if (req.host) out.host = host_from_authority(*req.host);
        if (out.host) {
            if (b.cookie) name_flow(b.cookie, flow, NamedHost{*out.host, kHostSourceHttp});
        } else if (flow.host) {
            out.host = flow.host->host;
        } else if (auto named = names_.lookup(b.task->pid, out.address)) {
            out.host = named->host;
        }
        out.http_version = req.version.starts_with("HTTP/") ? req.version.substr(5) : req.version;
        out.method = req.method;
        out.path = options_.redact ? redact_target(req.target) : req.target;
        out.user_agent = req.user_agent;
        if (!req.malformed.empty()) out.malformed = req.malformed;
        out.request_bytes = req.content_length;
        for (const HttpHeader& h : req.headers)
            out.headers.emplace_back(h.name, options_.redact ? redact_header_value(h.name, h.value) : h.value);
        out.file_type = artifact_type(path_of(req.target));
        if (out.tls) ++counts_.tls_requests;
        if (out.tls && flow.tls) {
            ++flow.tls->requests;
            flow.tls->library = b.tls_library;
        }
        flow.awaiting_response.push_back(std::move(out));
    }
    if (b.cookie) release(b.cookie);
}

void FlowInspector::inspect_http_response(const HttpBytes& b, Flow& flow) {
    std::vector<HttpResponse> responses = parse_http_responses(b.bytes);
    if (responses.empty()) ++counts_.unparsed;
    for (const HttpResponse& resp : responses) {
        // 1xx heads (100 Continue) precede the final response to the same request.
        if (resp.status >= 100 && resp.status < 200) continue;
        if (flow.awaiting_response.empty()) break;  // the request head was not seen
        HttpRecord out = std::move(flow.awaiting_response.front());
        flow.awaiting_response.pop_front();
        out.status = resp.status;
        out.response_time_ms = static_cast<double>(std::max<std::int64_t>(b.ts_ns - out.ts_ns, 0)) / 1e6;
        out.response_bytes = resp.content_length;
        if (!out.malformed && !resp.malformed.empty()) out.malformed = "response: " + resp.malformed;
        ++counts_.http_requests;
        out_.on_http(out);
    }
}

void FlowInspector::on_tls_data(const TlsDataRecord& r) {
    const TlsDataEvent& e = r.event;
    TlsSession& session = tls_sessions_[{e.task.pid, e.session}];
    session.last_seen_ns = std::max(session.last_seen_ns, r.ts_ns);
    // Counted by the kernel (tls_go_socket_unresolved), which knew no bind would follow.
    if (e.socket_source == TlsSocketSource::unresolved) {
        inspect_tls_data(r, std::nullopt);
        return;
    }
    if (e.socket_source != TlsSocketSource::unknown) {
        session.socket = e.socket;
        inspect_tls_data(r, session.socket);
        return;
    }
    // The bind event that names the socket follows within microseconds; until then the
    // session's data waits, in order.
    constexpr std::size_t kMaxWaiting = 64;
    if (session.waiting.size() >= kMaxWaiting) {
        ++counts_.tls_unjoined;
        inspect_tls_data(session.waiting.front(), std::nullopt);
        session.waiting.pop_front();
    }
    session.waiting.push_back(r);
}

void FlowInspector::on_tls_bind(const TlsBindRecord& r) {
    TlsSession& session = tls_sessions_[{r.event.task.pid, r.event.session}];
    session.last_seen_ns = std::max(session.last_seen_ns, r.ts_ns);
    session.socket = r.event.socket;
    while (!session.waiting.empty()) {
        inspect_tls_data(session.waiting.front(), session.socket);
        session.waiting.pop_front();
    }
}

void FlowInspector::inspect_tls_data(const TlsDataRecord& r, const std::optional<TlsSocket>& socket) {
    const TlsDataEvent& e = r.event;
    if (e.flow_kind == FlowKind::http2) {
        inspect_h2_data(r, socket);
        return;
    }
    if (e.flow_kind != FlowKind::http) {
        if (e.direction == Direction::egress) ++counts_.tls_not_http;
        if (socket)
            if (auto it = flows_.find(socket->cookie); it != flows_.end() && it->second.tls) {
                auto library = tls_library_from_abi(e.library);
                it->second.tls->plaintext_not_http = true;
                it->second.tls->library = library ? tls_library_name(*library) : std::string_view("tls");
            }
        return;
    }
    auto library = tls_library_from_abi(e.library);
    HttpBytes b{r.ts_ns,
                &e.task,
                socket ? socket->cookie : 0,
                socket ? socket->remote : IpAddress{},
                socket ? socket->port : std::uint16_t{0},
                text_of(e.data),
                library ? tls_library_name(*library) : std::string_view("tls")};
    Flow& flow = flow_at(socket ? socket->cookie : unjoined_flow_key(e.task.pid, e.session), r.ts_ns);
    if (e.direction == Direction::egress)
        inspect_http_request(b, flow);
    else
        inspect_http_response(b, flow);
}

void FlowInspector::end_tls(std::uint64_t cookie, Flow& flow, std::int64_t ts_ns) {
    if (!flow.tls) return;
    const TlsConnection& c = *flow.tls;
    auto out = record_for<TlsEndRecord>(ts_ns, process_of(c.task), c.address, c.port, cookie);
    out.sni = c.sni;
    out.requests = c.requests;
    if (!c.library.empty()) out.library = std::string(c.library);
    out.plaintext_not_http = c.plaintext_not_http;
    if (c.requests == 0 && !c.plaintext_not_http) out.not_visible = c.reason_if_none;
    flow.tls.reset();
    ++counts_.tls_ends;
    out_.on_tls_end(out);
}

void FlowInspector::forget(std::unordered_map<std::uint64_t, Flow>::iterator it) {
    release(it->first);
    for (HttpRecord& unanswered : it->second.awaiting_response) {
        ++counts_.http_requests;
        ++counts_.http_unanswered;
        out_.on_http(unanswered);
    }
    release_tls_record(it->second);
    end_tls(it->first, it->second, it->second.last_seen_ns);
    flows_.erase(it);
}

void FlowInspector::tick(std::int64_t now_ns) {
    while (!held_order_.empty()) {
        auto it = held_.find(held_order_.front());
        if (it != held_.end() && it->second.deadline_ns > now_ns) break;
        std::uint64_t cookie = held_order_.front();
        held_order_.pop_front();
        if (it != held_.end()) release(cookie);
    }
    for (auto it = tls_sessions_.begin(); it != tls_sessions_.end();) {
        TlsSession& session = it->second;
        while (!session.waiting.empty() && now_ns - session.waiting.front().ts_ns > options_.hold_ns) {
            ++counts_.tls_unjoined;
            inspect_tls_data(session.waiting.front(), std::nullopt);
            session.waiting.pop_front();
        }
        if (session.waiting.empty() && now_ns - session.last_seen_ns > options_.idle_flow_ns)
            it = tls_sessions_.erase(it);
        else
            ++it;
    }
    for (auto it = h2_sessions_.begin(); it != h2_sessions_.end();) {
        if (now_ns - it->second.last_seen_ns > options_.idle_flow_ns) {
            end_h2(it->second);
            it = h2_sessions_.erase(it);
        } else {
            ++it;
        }
    }
    for (auto it = flows_.begin(); it != flows_.end();) {
        Flow& flow = it->second;
        if (flow.pending_tls && flow.pending_tls_deadline_ns <= now_ns) release_tls_record(flow);
        while (!flow.awaiting_response.empty() &&
               now_ns - flow.awaiting_response.front().ts_ns > options_.response_timeout_ns) {
            ++counts_.http_requests;
            ++counts_.http_unanswered;
            out_.on_http(flow.awaiting_response.front());
            flow.awaiting_response.pop_front();
        }
        if (now_ns - flow.last_seen_ns > options_.idle_flow_ns && flow.awaiting_response.empty()) {
            release_tls_record(flow);
            end_tls(it->first, flow, flow.last_seen_ns);
            it = flows_.erase(it);
        } else {
            ++it;
        }
    }
}

void FlowInspector::flush() {
    for (auto& [key, session] : tls_sessions_) {
        for (const TlsDataRecord& waiting : session.waiting) {
            ++counts_.tls_unjoined;
            inspect_tls_data(waiting, std::nullopt);
        }
        session.waiting.clear();
    }
    for (auto& [key, session] : h2_sessions_) end_h2(session);
    h2_sessions_.clear();
    // Held connects first, in the order they happened, then what never got a response.
    while (!held_order_.empty()) {
        release(held_order_.front());
        held_order_.pop_front();
    }
    while (!flows_.empty()) forget(flows_.begin());
}

void FlowInspector::on_repeat(const RepeatRecord& r) {
    // Repeats count against the connect they repeat: let that connect out first. One pass
    // over what is held for the whole record, which lists up to hundreds of destinations.
    using Endpoint = std::tuple<IpAddress, std::uint16_t, std::uint8_t>;
    std::vector<Endpoint> repeated;
    for (const RepeatCount& c : r.destinations) repeated.emplace_back(c.address.unmapped(), c.port, c.protocol);
    std::sort(repeated.begin(), repeated.end());
    std::vector<std::uint64_t> first;
    for (const auto& [cookie, held] : held_)
        if (held.record.process.pid == r.pid &&
            std::binary_search(repeated.begin(), repeated.end(),
                               Endpoint{held.record.address, held.record.port, held.record.protocol}))
            first.push_back(cookie);
    for (std::uint64_t cookie : first) release(cookie);
    out_.on_repeat(r);
}

}  // namespace egresswatch
