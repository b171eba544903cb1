#include "report/jsonl/fields.h"

#include "base/timefmt.h"

namespace egresswatch {

std::string json_kind(const Json& value) {
    if (value.is_number() || value.is_boolean() || value.is_null()) return value.dump();
    if (value.is_string()) return "a string";
    return value.is_array() ? "an array" : "an object";
}

std::int64_t required_ts(const Json& j) {
    auto ts = parse_timestamp(required<std::string>(j, "ts"));
    if (!ts) throw FieldError("\"ts\" is not an RFC 3339 timestamp");
    return *ts;
}

// Read wide, so that any number out of range is refused with the range of a pid.
std::uint32_t required_pid(const Json& j, const char* key) {
    return static_cast<std::uint32_t>(within<std::int64_t>(key, required<std::int64_t>(j, key), 0, kMaxPid));
}

std::uint32_t optional_pid(const Json& j, const char* key, std::uint32_t fallback) {
    return static_cast<std::uint32_t>(
        within<std::int64_t>(key, optional_field<std::int64_t>(j, key, fallback), 0, kMaxPid));
}

std::map<std::string, std::uint64_t> required_counts(const Json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end()) throw FieldError(std::string("missing \"") + key + "\"");
    if (!it->is_object()) throw FieldError(std::string("\"") + key + "\" must be an object, not " + json_kind(*it));
    std::map<std::string, std::uint64_t> counts;
    for (const auto& [name, count] : it->items()) counts[name] = value_as<std::uint64_t>(count, name.c_str());
    return counts;
}

IpAddress required_address(const Json& j, const char* key) {
    auto ip = IpAddress::parse(required<std::string>(j, key));
    if (!ip) throw FieldError(std::string("\"") + key + "\" is not an IP address");
    return *ip;
}

std::uint8_t required_proto(const Json& j) {
    auto proto = parse_protocol(required<std::string>(j, "proto"));
    if (!proto) throw FieldError("\"proto\" is not a known protocol");
    return *proto;
}

SockEventKind sock_kind_of(const Json& j, std::optional<SockEventKind> when_absent) {
    std::optional<std::string> kind;
    if (when_absent)
        kind = maybe_field<std::string>(j, "of");
    else
        kind = required<std::string>(j, "of");
    if (!kind) return *when_absent;
    if (*kind != "connect" && *kind != "send") throw FieldError("\"of\" must be connect or send");
    return *kind == "connect" ? SockEventKind::connect : SockEventKind::send;
}

}  // namespace egresswatch
