#pragma once
// Shared by the events.jsonl writers and readers: the process fields every record
// carries, and typed access to fields with errors that name the field.

#include <cstdint>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "pipeline/records.h"
#include "report/jsonl.h"

namespace egresswatch {

struct FieldError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

void put_process(Json& j, const ProcessRef& p);
ProcessRef process_from(const Json& j);

// Linux never gives a pid above this (PID_MAX_LIMIT).
inline constexpr std::uint32_t kMaxPid = 4'194'304;

// How an error names a value of the wrong kind, without quoting what may be megabytes of it.
std::string json_kind(const Json& value);

template <typename T>
std::string range_text(T lo, T hi) {
    return std::to_string(lo) + "-" + std::to_string(hi);
}

// `value` read as T, refused when it is not one: a number outside T's range must not wrap
// (a "dport" of 70000 read as 4464).
template <typename T>
T value_as(const Json& value, const char* key) {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        if (!value.is_number_integer())
            throw FieldError(std::string("\"") + key + "\" must be a whole number, not " + json_kind(value));
        constexpr T lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
        bool fits = value.is_number_unsigned()
                        ? value.get<std::uint64_t>() <= static_cast<std::uint64_t>(hi)
                        : std::cmp_greater_equal(value.get<std::int64_t>(), lo) &&
                              std::cmp_less_equal(value.get<std::int64_t>(), hi);
        if (!fits)
            throw FieldError(std::string("\"") + key + "\" " + value.dump() + " is out of range " + range_text(lo, hi));
        return value.get<T>();
    } else {
        try {
            return value.template get<T>();
        } catch (const nlohmann::json::exception&) {
            throw FieldError(std::string("\"") + key + "\" has the wrong type");
        }
    }
}

// A number that value_as read, checked against the range its field can have.
template <typename T>
T within(const char* key, T value, T lo, T hi) {
    if (value < lo || value > hi)
        throw FieldError(std::string("\"") + key + "\" " + std::to_string(value) + " is out of range " +
                         range_text(lo, hi));
    return value;
}

template <typename T>
T required(const Json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end()) throw FieldError(std::string("missing \"") + key + "\"");
    return value_as<T>(*it, key);
}

template <typename T>
T optional_field(const Json& j, const char* key, T fallback = T{}) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return fallback;
    return value_as<T>(*it, key);
}

template <typename T>
std::optional<T> maybe_field(const Json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::nullopt;
    return value_as<T>(*it, key);
}

std::int64_t required_ts(const Json& j);
std::uint32_t required_pid(const Json& j, const char* key);
std::uint32_t optional_pid(const Json& j, const char* key, std::uint32_t fallback = 0);
// A loss record's "reasons": counts by name.
std::map<std::string, std::uint64_t> required_counts(const Json& j, const char* key);
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
