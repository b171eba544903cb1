// The `dns` line of events.jsonl, written and read back: a lookup and its answers, as the
// flow inspector parsed them from payload.
#include "base/timefmt.h"
#include "report/jsonl.h"
#include "report/jsonl/codecs.h"
#include "report/jsonl/fields.h"

namespace egresswatch {
namespace {

Json answer_json(const DnsAnswerEntry& a) {
    Json j{{"name", a.name}, {"type", a.type}, {"ttl", a.ttl}};
    if (a.address) j["address"] = a.address->to_string();
    if (!a.target.empty()) j["target"] = a.target;
    return j;
}

DnsAnswerEntry answer_from(const Json& a) {
    DnsAnswerEntry entry;
    entry.name = optional_field<std::string>(a, "name");
    entry.type = optional_field<std::string>(a, "type");
    entry.ttl = optional_field<std::uint32_t>(a, "ttl");
    if (a.contains("address")) entry.address = required_address(a, "address");
    entry.target = optional_field<std::string>(a, "target");
    return entry;
}

}  // namespace

Json to_json(const DnsLookupRecord& r) {
    Json j{{"type", "dns"}, {"ts", format_timestamp(r.ts_ns)}};
    put_process(j, r.process);
    j["proto"] = std::string(protocol_name(r.protocol));
    j["server"] = r.server.to_string();
    j["server_port"] = r.server_port;
    j["id"] = r.id;
    j["question"] = r.question;
    j["qtype"] = r.qtype;
    j["rcode"] = r.rcode;
    if (r.incomplete) j["incomplete"] = true;
    Json answers = Json::array();
    for (const auto& a : r.answers) answers.push_back(answer_json(a));
    j["answers"] = std::move(answers);
    return j;
}

DnsLookupRecord dns_from(const Json& j) {
    DnsLookupRecord r;
    r.ts_ns = required_ts(j);
    r.process = process_from(j);
    r.protocol = required_proto(j);
    r.server = required_address(j, "server");
    r.server_port = optional_field<std::uint16_t>(j, "server_port", 53);
    r.id = optional_field<std::uint16_t>(j, "id");
    r.question = required<std::string>(j, "question");
    r.qtype = optional_field<std::string>(j, "qtype");
    r.rcode = optional_field<std::string>(j, "rcode");
    r.incomplete = optional_field<bool>(j, "incomplete");
    if (auto it = j.find("answers"); it != j.end() && !it->is_null()) {
        if (!it->is_array()) throw FieldError("\"answers\" must be an array, not " + json_kind(*it));
        for (const auto& a : *it) {
            if (!a.is_object()) throw FieldError("\"answers\" must list objects, not " + json_kind(a));
            r.answers.push_back(answer_from(a));
        }
    }
    return r;
}

}  // namespace egresswatch
