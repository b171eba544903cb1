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

// The container and pod a process ran in: all keys always, "" for what is not known, so
// that a reader sees one shape.
void put_container(Json& j, const ContainerInfo& c) {
    j["container"] = Json{{"id", c.id}, {"name", c.name}, {"image", c.image}, {"runtime", runtime_name(c.runtime)}};
    if (c.pod)
        j["pod"] = Json{{"namespace", c.pod->namespace_name},
                        {"name", c.pod->name},
                        {"uid", c.pod->uid},
                        {"container", c.pod->container},
                        {"qos", qos_name(c.pod->qos)}};
}

std::optional<ContainerInfo> container_from(const Json& j) {
    auto it = j.find("container");
    if (it == j.end() || it->is_null()) return std::nullopt;
    if (!it->is_object()) throw FieldError("\"container\" must be an object, not " + json_kind(*it));
    ContainerInfo c;
    c.id = optional_field<std::string>(*it, "id");
    c.name = optional_field<std::string>(*it, "name");
    c.image = optional_field<std::string>(*it, "image");
    c.runtime = parse_runtime(optional_field<std::string>(*it, "runtime"));
    if (auto pod = j.find("pod"); pod != j.end() && !pod->is_null()) {
        if (!pod->is_object()) throw FieldError("\"pod\" must be an object, not " + json_kind(*pod));
        PodInfo p;
        p.namespace_name = optional_field<std::string>(*pod, "namespace");
        p.name = optional_field<std::string>(*pod, "name");
        p.uid = optional_field<std::string>(*pod, "uid");
        p.container = optional_field<std::string>(*pod, "container");
        p.qos = parse_qos(optional_field<std::string>(*pod, "qos"));
        c.pod = p;
    }
    return c;
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
    if (p.container) put_container(j, *p.container);
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
    p.container = container_from(j);
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
