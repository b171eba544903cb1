#pragma once
// Shared by the events.jsonl writers and readers: the process fields every record
// carries, and typed access to fields with errors that name the field.

#include <cstdint>
#include <stdexcept>
#include <string>

#include "core/records.h"
#include "output/jsonl.h"

namespace egresswatch {

struct FieldError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

void put_process(Json& j, const ProcessRef& p);
ProcessRef process_from(const Json& j);

template <typename T>
T required(const Json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end()) throw FieldError(std::string("missing \"") + key + "\"");
    try {
        return it->template get<T>();
    } catch (const nlohmann::json::exception&) {
        throw FieldError(std::string("\"") + key + "\" has the wrong type");
    }
}

template <typename T>
T optional_field(const Json& j, const char* key, T fallback = T{}) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return fallback;
    try {
        return it->template get<T>();
    } catch (const nlohmann::json::exception&) {
        throw FieldError(std::string("\"") + key + "\" has the wrong type");
    }
}

template <typename T>
std::optional<T> maybe_field(const Json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::nullopt;
    return optional_field<T>(j, key);
}

std::int64_t required_ts(const Json& j);
IpAddress required_address(const Json& j, const char* key);
std::uint8_t required_proto(const Json& j);
// "connect" or "send", as a blocked attempt's "of" says.
SockEventKind required_sock_kind(const Json& j, const char* key);
// A connect or send line's "verdict": allowed when absent.
Verdict optional_verdict(const Json& j);

// A repeat line, either form (jsonl_repeat.cpp).
RepeatRecord repeat_from(const Json& j);

// dns, tls and http lines (jsonl_protocols.cpp); false for a type it does not know.
bool replay_protocol_line(const Json& j, const std::string& type, RecordSink& sink);
// alert lines (jsonl_alert.cpp); false for any other type.
bool replay_alert_line(const Json& j, const std::string& type, RecordSink& sink);

}  // namespace egresswatch
