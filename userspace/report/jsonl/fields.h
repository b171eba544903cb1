#pragma once
// Typed access to the fields of an events.jsonl line, for every record's reader: a value of
// the wrong kind or out of its range is refused with an error that names the field, and never
// wraps (a "dport" of 70000 read as 4464).

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "base/ip_address.h"
#include "base/json.h"
#include "pipeline/events.h"

namespace egresswatch {

struct FieldError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Linux never gives a pid above this (PID_MAX_LIMIT).
inline constexpr std::uint32_t kMaxPid = 4'194'304;

// How an error names a value of the wrong kind, without quoting what may be megabytes of it.
std::string json_kind(const Json& value);

template <typename T>
std::string range_text(T lo, T hi) {
    return std::to_string(lo) + "-" + std::to_string(hi);
}

// `value` read as T, refused when it is not one: a number outside T's range must not wrap.
template <typename T>
T value_as(const Json& value, const char* key) {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        if (!value.is_number_integer())
            throw FieldError(std::string("\"") + key + "\" must be a whole number, not " + json_kind(value));
        constexpr T lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
        bool fits = value.is_number_unsigned() ? value.get<std::uint64_t>() <= static_cast<std::uint64_t>(hi)
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
// "of": connect or send, the one rule of blocked, alert and repeat lines. Absent (or null):
// `when_absent`, or refused when there is none.
SockEventKind sock_kind_of(const Json& j, std::optional<SockEventKind> when_absent);

}  // namespace egresswatch
