// The `alert` line of events.jsonl, written and read back (so `egresswatch report` rebuilds
// the alerts section from the file alone). Its connection's fields are connection.cpp's.
#include "base/timefmt.h"
#include "report/jsonl.h"
#include "report/jsonl/codecs.h"
#include "report/jsonl/fields.h"

namespace egresswatch {

Json to_json(const AlertRecord& r) {
    const ConnectionRecord& c = r.connection;
    Json j{{"type", "alert"},
           {"ts", format_timestamp(r.ts_ns)},
           {"reason", r.reason},
           {"baseline", r.baseline},
           {"destination", alert_destination(c)},
           {"of", std::string(sock_event_kind_name(c.kind))}};
    put_connection(j, c, ConnectionLayout::alert);
    return j;
}

AlertRecord alert_from(const Json& j) {
    AlertRecord r;
    r.ts_ns = required_ts(j);
    r.reason = optional_field<std::string>(j, "reason", r.reason);
    r.baseline = optional_field<std::string>(j, "baseline");
    ConnectionRecord& c = r.connection;
    c.ts_ns = r.ts_ns;
    c.kind = sock_kind_of(j, SockEventKind::connect);
    read_connection(j, c, ConnectionLayout::alert);
    return r;
}

}  // namespace egresswatch
