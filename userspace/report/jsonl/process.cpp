// The process fields of events.jsonl lines, written and read back: who made the connection,
// the lookup or the request, and the ancestry that started it.
#include "report/jsonl/codecs.h"
#include "report/jsonl/fields.h"

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
            p.ancestry.push_back({optional_pid(a, "pid"), optional_field<std::string>(a, "comm"),
                                  optional_field<std::string>(a, "exe")});
        }
    }
    p.ancestry_truncated = optional_field<bool>(j, "ancestry_truncated");
    return p;
}

}  // namespace egresswatch
