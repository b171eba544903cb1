// The `http` line of events.jsonl, written and read back: a request, from payload or a TLS
// library, and what is known of its response.
#include "report/jsonl.h"
#include "report/jsonl/peer.h"

namespace egresswatch {
namespace {

template <typename T>
void put_optional(Json& j, const char* key, const std::optional<T>& value) {
    if (value) j[key] = *value;
}

}  // namespace

Json to_json(const HttpRecord& r) {
    Json j{{"type", "http"}, {"ts", format_timestamp(r.ts_ns)}};
    put_process(j, r.process);
    put_peer(j, r);
    j["tls"] = r.tls;
    if (!r.tls_library.empty()) j["tls_library"] = r.tls_library;
    j["host"] = r.host ? Json(*r.host) : Json(nullptr);
    j["http_version"] = r.http_version;
    j["method"] = r.method;
    j["path"] = r.hpack_desync && r.path.empty() ? Json(nullptr) : Json(r.path);
    put_optional(j, "user_agent", r.user_agent);
    put_optional(j, "request_bytes", r.request_bytes);
    j["status"] = r.status ? Json(*r.status) : Json(nullptr);
    j["response_time_ms"] = r.response_time_ms ? Json(*r.response_time_ms) : Json(nullptr);
    put_optional(j, "response_bytes", r.response_bytes);
    j["file_type"] = r.file_type ? Json(*r.file_type) : Json(nullptr);
    put_optional(j, "malformed", r.malformed);
    if (r.grpc) {
        j["grpc"] = true;
        j["grpc_status"] = r.grpc_status ? Json(*r.grpc_status) : Json(nullptr);
    }
    if (r.hpack_desync) j["hpack_desync"] = true;
    put_optional(j, "reset", r.reset);
    Json headers = Json::array();
    for (const auto& [name, value] : r.headers) headers.push_back(Json::array({name, value}));
    j["headers"] = std::move(headers);
    return j;
}

HttpRecord http_from(const Json& j) {
    HttpRecord r;
    read_peer(j, r);
    r.tls = optional_field<bool>(j, "tls");
    r.tls_library = optional_field<std::string>(j, "tls_library");
    r.host = maybe_field<std::string>(j, "host");
    r.http_version = optional_field<std::string>(j, "http_version");
    r.method = required<std::string>(j, "method");
    r.hpack_desync = optional_field<bool>(j, "hpack_desync");
    r.path = r.hpack_desync ? maybe_field<std::string>(j, "path").value_or("") : required<std::string>(j, "path");
    r.user_agent = maybe_field<std::string>(j, "user_agent");
    r.request_bytes = maybe_field<std::uint64_t>(j, "request_bytes");
    if (auto status = maybe_field<int>(j, "status")) r.status = within("status", *status, 0, 999);  // three digits
    r.response_time_ms = maybe_field<double>(j, "response_time_ms");
    if (r.response_time_ms && !(*r.response_time_ms >= 0 && *r.response_time_ms < 1e12))
        throw FieldError("\"response_time_ms\" must be a duration of zero or more");
    r.response_bytes = maybe_field<std::uint64_t>(j, "response_bytes");
    r.file_type = maybe_field<std::string>(j, "file_type");
    r.malformed = maybe_field<std::string>(j, "malformed");
    r.grpc = optional_field<bool>(j, "grpc");
    if (auto status = maybe_field<int>(j, "grpc_status")) r.grpc_status = within("grpc_status", *status, 0, 255);
    r.reset = maybe_field<std::string>(j, "reset");
    r.headers = optional_field<std::vector<std::pair<std::string, std::string>>>(j, "headers");
    return r;
}

}  // namespace egresswatch
