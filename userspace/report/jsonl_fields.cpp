#include "report/jsonl_fields.h"

#include "base/timefmt.h"

namespace egresswatch {
namespace {

Json ancestry_json(const std::vector<Ancestor>& ancestry) {
    Json list = Json::array();
    for (const auto& a : ancestry) list.push_back(Json{{"pid", a.pid}, {"comm", a.comm}, {"exe", a.exe}});
    return list;
}

}  // namespace

std::string json_kind(const Json& value) {
    if (value.is_number() || value.is_boolean() || value.is_null()) return value.dump();
    if (value.is_string()) return "a string";
    return value.is_array() ? "an array" : "an object";
}

void put_process(Json& j, const ProcessRef& p) {
    j["pid"] = p.pid;
    j["tid"] = p.tid;
    j["uid"] = p.uid;
    j["comm"] = p.comm;
    j["exe"] = p.exe;
    j["argv"] = p.argv;
    j["cgroup"] = p.cgroup;
    j["ancestry"] = ancestry_json(p.ancestry);
    if (p.ancestry_truncated) j["ancestry_truncated"] = true;
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

SockEventKind required_sock_kind(const Json& j, const char* key) {
    std::string kind = required<std::string>(j, key);
    if (kind != "connect" && kind != "send") throw FieldError(std::string("\"") + key + "\" must be connect or send");
    return kind == "connect" ? SockEventKind::connect : SockEventKind::send;
}

Verdict optional_verdict(const Json& j) {
    auto name = maybe_field<std::string>(j, "verdict");
    if (!name) return Verdict::allowed;
    // Refusing what this build does not know keeps an unknown verdict from counting as a
    // destination reached.
    auto verdict = parse_verdict(*name);
    if (!verdict) throw FieldError("\"verdict\" must be allowed, blocked or unverified");
    return *verdict;
}

ProcessRef process_from(const Json& j) {
    ProcessRef p;
    p.pid = required_pid(j, "pid");
    p.tid = optional_pid(j, "tid", p.pid);
    p.uid = optional_field<std::uint32_t>(j, "uid");
    p.comm = optional_field<std::string>(j, "comm");
    p.exe = optional_field<std::string>(j, "exe");
    p.argv = optional_field<std::vector<std::string>>(j, "argv");
    p.cgroup = optional_field<std::string>(j, "cgroup");
    if (auto it = j.find("ancestry"); it != j.end() && !it->is_null()) {
        if (!it->is_array()) throw FieldError("\"ancestry\" must be an array, not " + json_kind(*it));
        for (const auto& a : *it) {
            if (!a.is_object()) throw FieldError("\"ancestry\" must list objects, not " + json_kind(a));
            p.ancestry.push_back(
                {optional_pid(a, "pid"), optional_field<std::string>(a, "comm"), optional_field<std::string>(a, "exe")});
        }
    }
    p.ancestry_truncated = optional_field<bool>(j, "ancestry_truncated");
    return p;
}

}  // namespace egresswatch
