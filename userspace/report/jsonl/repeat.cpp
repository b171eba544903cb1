// The `repeat` line of events.jsonl, written and read back: connects and datagrams the
// kernel counted instead of sending each, for one process and many destinations a line
// (pipeline/repeat_ledger.h says when they are written). Lines from before that change name one
// destination each, at the top level; they are still read.
#include "base/timefmt.h"
#include "report/jsonl.h"
#include "report/jsonl/codecs.h"
#include "report/jsonl/fields.h"

namespace egresswatch {
namespace {

RepeatCount repeat_count_from(const Json& j) {
    RepeatCount c;
    c.protocol = required_proto(j);
    c.address = required_address(j, "daddr");
    c.port = required<std::uint16_t>(j, "dport");
    c.count = required<std::uint64_t>(j, "count");
    return c;
}

}  // namespace

Json to_json(const RepeatRecord& r) {
    Json destinations = Json::array();
    for (const RepeatCount& c : r.destinations)
        destinations.push_back(Json{{"proto", std::string(protocol_name(c.protocol))},
                                    {"daddr", c.address.to_string()},
                                    {"dport", c.port},
                                    {"count", c.count}});
    return Json{{"type", "repeat"},
                {"ts", format_timestamp(r.ts_ns)},
                {"of", std::string(sock_event_kind_name(r.kind))},
                {"pid", r.pid},
                {"comm", r.comm},
                {"exe", r.exe},
                {"destinations", std::move(destinations)}};
}

RepeatRecord repeat_from(const Json& j) {
    RepeatRecord r;
    r.ts_ns = required_ts(j);
    r.kind = sock_kind_of(j, SockEventKind::send);
    r.pid = required_pid(j, "pid");
    r.exe = optional_field<std::string>(j, "exe");
    r.comm = optional_field<std::string>(j, "comm");
    auto list = j.find("destinations");
    if (list == j.end()) {
        r.destinations.push_back(repeat_count_from(j));
        return r;
    }
    if (!list->is_array()) throw FieldError("\"destinations\" has the wrong type");
    for (std::size_t i = 0; i < list->size(); ++i) {
        const Json& entry = (*list)[i];
        if (!entry.is_object()) throw FieldError("\"destinations\"[" + std::to_string(i) + "] is not an object");
        try {
            r.destinations.push_back(repeat_count_from(entry));
        } catch (const FieldError& e) {
            throw FieldError("\"destinations\"[" + std::to_string(i) + "]: " + e.what());
        }
    }
    return r;
}

}  // namespace egresswatch
