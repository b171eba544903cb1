// The `alert` line of events.jsonl, written and read back (so `egresswatch report` rebuilds
// the alerts section from the file alone).
#include "report/jsonl_fields.h"
#include "base/timefmt.h"

namespace egresswatch {

Json to_json(const AlertRecord& r) {
    const ConnectionRecord& c = r.connection;
    Json j{{"type", "alert"},
           {"ts", format_timestamp(r.ts_ns)},
           {"reason", r.reason},
           {"baseline", r.baseline},
           {"destination", alert_destination(c)},
           {"of", std::string(sock_event_kind_name(c.kind))},
           {"proto", std::string(protocol_name(c.protocol))},
           {"family", c.address.family == Family::ipv4 ? "ipv4" : "ipv6"},
           {"daddr", c.address.to_string()},
           {"dport", c.port},
           {"scope", std::string(scope_name(classify(c.address)))}};
    if (c.host) {
        j["host"] = *c.host;
        j["host_source"] = c.host_source.value_or("");
    }
    put_process(j, c.process);
    return j;
}

bool replay_alert_line(const Json& j, const std::string& type, RecordSink& sink) {
    if (type != "alert") return false;
    AlertRecord r;
    r.ts_ns = required_ts(j);
    r.reason = optional_field<std::string>(j, "reason", r.reason);
    r.baseline = optional_field<std::string>(j, "baseline");
    ConnectionRecord& c = r.connection;
    c.ts_ns = r.ts_ns;
    c.kind = optional_field<std::string>(j, "of", "connect") == "send" ? SockEventKind::send : SockEventKind::connect;
    c.protocol = required_proto(j);
    c.address = required_address(j, "daddr");
    c.port = required<std::uint16_t>(j, "dport");
    c.process = process_from(j);
    if (j.contains("host")) c.host = optional_field<std::string>(j, "host");
    if (j.contains("host_source")) c.host_source = optional_field<std::string>(j, "host_source");
    sink.on_alert(r);
    return true;
}

}  // namespace egresswatch
