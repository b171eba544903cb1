// dns, tls and http lines of events.jsonl: what the flow inspector found in payload.
#include "report/jsonl_fields.h"
#include "base/timefmt.h"

namespace egresswatch {
namespace {

Json answer_json(const DnsAnswerEntry& a) {
    Json j{{"name", a.name}, {"type", a.type}, {"ttl", a.ttl}};
    if (a.address) j["address"] = a.address->to_string();
    if (!a.target.empty()) j["target"] = a.target;
    return j;
}

template <typename T>
void put_optional(Json& j, const char* key, const std::optional<T>& value) {
    if (value) j[key] = *value;
}

void put_peer(Json& j, const IpAddress& address, std::uint16_t port, std::uint64_t cookie) {
    j["proto"] = "tcp";
    j["daddr"] = address.to_string();
    j["dport"] = port;
    j["cookie"] = cookie;
}

// The fields tls and http lines share, as put_peer and put_process wrote them.
template <typename Record>
void read_peer(const Json& j, Record& r) {
    r.ts_ns = required_ts(j);
    r.process = process_from(j);
    r.address = required_address(j, "daddr");
    r.port = required<std::uint16_t>(j, "dport");
    r.cookie = optional_field<std::uint64_t>(j, "cookie");
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

Json to_json(const TlsRecord& r) {
    Json j{{"type", "tls"}, {"ts", format_timestamp(r.ts_ns)}};
    put_process(j, r.process);
    put_peer(j, r.address, r.port, r.cookie);
    j["sni"] = r.sni ? Json(*r.sni) : Json(nullptr);
    j["alpn"] = r.alpn;
    return j;
}

Json to_json(const HttpRecord& r) {
    Json j{{"type", "http"}, {"ts", format_timestamp(r.ts_ns)}};
    put_process(j, r.process);
    put_peer(j, r.address, r.port, r.cookie);
    j["tls"] = r.tls;
    if (!r.tls_library.empty()) j["tls_library"] = r.tls_library;
    j["host"] = r.host ? Json(*r.host) : Json(nullptr);
    j["method"] = r.method;
    j["path"] = r.path;
    put_optional(j, "user_agent", r.user_agent);
    put_optional(j, "request_bytes", r.request_bytes);
    j["status"] = r.status ? Json(*r.status) : Json(nullptr);
    j["response_time_ms"] = r.response_time_ms ? Json(*r.response_time_ms) : Json(nullptr);
    put_optional(j, "response_bytes", r.response_bytes);
    j["file_type"] = r.file_type ? Json(*r.file_type) : Json(nullptr);
    put_optional(j, "malformed", r.malformed);
    Json headers = Json::array();
    for (const auto& [name, value] : r.headers) headers.push_back(Json::array({name, value}));
    j["headers"] = std::move(headers);
    return j;
}

bool replay_protocol_line(const Json& j, const std::string& type, RecordSink& sink) {
    if (type == "dns") {
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
                DnsAnswerEntry entry;
                entry.name = optional_field<std::string>(a, "name");
                entry.type = optional_field<std::string>(a, "type");
                entry.ttl = optional_field<std::uint32_t>(a, "ttl");
                if (a.contains("address")) entry.address = required_address(a, "address");
                entry.target = optional_field<std::string>(a, "target");
                r.answers.push_back(std::move(entry));
            }
        }
        sink.on_dns(r);
        return true;
    }
    if (type == "tls") {
        TlsRecord r;
        read_peer(j, r);
        r.sni = maybe_field<std::string>(j, "sni");
        r.alpn = optional_field<std::vector<std::string>>(j, "alpn");
        sink.on_tls(r);
        return true;
    }
    if (type == "http") {
        HttpRecord r;
        read_peer(j, r);
        r.tls = optional_field<bool>(j, "tls");
        r.tls_library = optional_field<std::string>(j, "tls_library");
        r.host = maybe_field<std::string>(j, "host");
        r.method = required<std::string>(j, "method");
        r.path = required<std::string>(j, "path");
        r.user_agent = maybe_field<std::string>(j, "user_agent");
        r.request_bytes = maybe_field<std::uint64_t>(j, "request_bytes");
        if (auto status = maybe_field<int>(j, "status")) r.status = within("status", *status, 0, 999);  // three digits
        r.response_time_ms = maybe_field<double>(j, "response_time_ms");
        if (r.response_time_ms && !(*r.response_time_ms >= 0 && *r.response_time_ms < 1e12))
            throw FieldError("\"response_time_ms\" must be a duration of zero or more");
        r.response_bytes = maybe_field<std::uint64_t>(j, "response_bytes");
        r.file_type = maybe_field<std::string>(j, "file_type");
        r.malformed = maybe_field<std::string>(j, "malformed");
        r.headers = optional_field<std::vector<std::pair<std::string, std::string>>>(j, "headers");
        sink.on_http(r);
        return true;
    }
    return false;
}

}  // namespace egresswatch
