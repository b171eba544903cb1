#include "output/jsonl_fields.h"

#include "output/timefmt.h"

namespace egresswatch {
namespace {

Json ancestry_json(const std::vector<Ancestor>& ancestry) {
    Json list = Json::array();
    for (const auto& a : ancestry) list.push_back(Json{{"pid", a.pid}, {"comm", a.comm}, {"exe", a.exe}});
    return list;
}

}  // namespace

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
    p.pid = required<std::uint32_t>(j, "pid");
    p.tid = optional_field<std::uint32_t>(j, "tid", p.pid);
    p.uid = optional_field<std::uint32_t>(j, "uid");
    p.comm = optional_field<std::string>(j, "comm");
    p.exe = optional_field<std::string>(j, "exe");
    p.argv = optional_field<std::vector<std::string>>(j, "argv");
    p.cgroup = optional_field<std::string>(j, "cgroup");
    if (auto it = j.find("ancestry"); it != j.end() && it->is_array())
        for (const auto& a : *it)
            p.ancestry.push_back({optional_field<std::uint32_t>(a, "pid"), optional_field<std::string>(a, "comm"),
                                  optional_field<std::string>(a, "exe")});
    p.ancestry_truncated = optional_field<bool>(j, "ancestry_truncated");
    return p;
}

}  // namespace egresswatch
