// connect, send and blocked lines of events.jsonl, written and read back, and the connection
// fields they share with the alert line (alert.cpp): one writer and one reader of those.
#include "base/timefmt.h"
#include "report/jsonl.h"
#include "report/jsonl/codecs.h"
#include "report/jsonl/fields.h"

namespace egresswatch {
namespace {

void put_host(Json& j, const ConnectionRecord& c) {
    if (!c.host) return;
    j["host"] = *c.host;
    j["host_source"] = c.host_source.value_or("");
}

// A connect or send line's "verdict": allowed when absent.
Verdict optional_verdict(const Json& j) {
    auto name = maybe_field<std::string>(j, "verdict");
    if (!name) return Verdict::allowed;
    // Refusing what this build does not know keeps an unknown verdict from counting as a
    // destination reached.
    auto verdict = parse_verdict(*name);
    if (!verdict) throw FieldError("\"verdict\" must be allowed, blocked or unverified");
    return *verdict;
}

}  // namespace

void put_connection(Json& j, const ConnectionRecord& c, ConnectionLayout layout) {
    j["proto"] = std::string(protocol_name(c.protocol));
    j["family"] = c.address.family == Family::ipv4 ? "ipv4" : "ipv6";
    j["daddr"] = c.address.to_string();
    j["dport"] = c.port;
    j["scope"] = std::string(scope_name(classify(c.address)));
    if (layout == ConnectionLayout::alert) {
        put_host(j, c);
        put_process(j, c.process);
        return;
    }
    if (c.v4_mapped) j["v4_mapped"] = true;
    put_process(j, c.process);
    j["cookie"] = c.cookie;
    put_host(j, c);
}

void read_connection(const Json& j, ConnectionRecord& c, ConnectionLayout layout) {
    c.protocol = required_proto(j);
    c.address = required_address(j, "daddr");
    c.port = required<std::uint16_t>(j, "dport");
    if (layout == ConnectionLayout::line) {
        c.v4_mapped = optional_field<bool>(j, "v4_mapped");
        c.cookie = optional_field<std::uint64_t>(j, "cookie");
    }
    c.process = process_from(j);
    if (j.contains("host")) c.host = optional_field<std::string>(j, "host");
    if (j.contains("host_source")) c.host_source = optional_field<std::string>(j, "host_source");
}

Json to_json(const ConnectionRecord& r) {
    // A refused attempt gets a type of its own, so that no consumer that counts connect
    // and send lines takes it for a destination reached.
    bool blocked = r.verdict == Verdict::blocked;
    Json j{{"type", blocked ? std::string("blocked") : std::string(sock_event_kind_name(r.kind))},
           {"ts", format_timestamp(r.ts_ns)}};
    if (blocked)
        j["of"] = std::string(sock_event_kind_name(r.kind));
    else if (r.verdict != Verdict::allowed)
        j["verdict"] = std::string(verdict_name(r.verdict));
    put_connection(j, r, ConnectionLayout::line);
    return j;
}

ConnectionRecord connection_from(const Json& j, std::string_view type) {
    ConnectionRecord r;
    r.ts_ns = required_ts(j);
    if (type == "blocked") {
        r.kind = sock_kind_of(j, std::nullopt);
        r.verdict = Verdict::blocked;
    } else {
        r.kind = type == "connect" ? SockEventKind::connect : SockEventKind::send;
        r.verdict = optional_verdict(j);
    }
    read_connection(j, r, ConnectionLayout::line);
    return r;
}

}  // namespace egresswatch
