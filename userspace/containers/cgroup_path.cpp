#include "containers/cgroup_path.h"

#include <array>
#include <vector>

namespace egresswatch {
namespace {

constexpr bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }
constexpr bool is_base36(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'); }

bool all_of(std::string_view text, bool (*pred)(char)) {
    for (char c : text)
        if (!pred(c)) return false;
    return true;
}

// BuildKit names its build containers with identity.NewID(): 25 base-36 characters.
bool is_buildkit_id(std::string_view text) { return text.size() == 25 && all_of(text, is_base36); }

std::optional<std::string_view> between(std::string_view text, std::string_view prefix, std::string_view suffix) {
    if (text.size() < prefix.size() + suffix.size()) return std::nullopt;
    if (!text.starts_with(prefix) || !text.ends_with(suffix)) return std::nullopt;
    return text.substr(prefix.size(), text.size() - prefix.size() - suffix.size());
}

// A pod UID as the kubelet writes it into a cgroup name: a UUID with '-' (cgroupfs) or '_'
// (systemd, where '-' separates slice levels), or, for a static pod, the 32-hex hash of its
// manifest. Returned with dashes, as the API shows it.
std::optional<std::string> pod_uid(std::string_view text) {
    if (text.size() == 32 && all_of(text, is_lower_hex)) return std::string(text);
    if (text.size() != 36) return std::nullopt;
    const char sep = text[8];
    if (sep != '-' && sep != '_') return std::nullopt;
    std::string uid(text);
    for (std::size_t i = 0; i < uid.size(); ++i) {
        const bool dash_at = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash_at) {
            if (uid[i] != sep) return std::nullopt;
            uid[i] = '-';
        } else if (!is_lower_hex(uid[i])) {
            return std::nullopt;
        }
    }
    return uid;
}

struct Found {
    Runtime runtime = Runtime::unknown;
    std::string_view id;
};

struct Pod {
    std::string uid;
    PodQos qos = PodQos::none;
};

// The systemd driver's pod slice: "<prefix>-pod<uid>.slice", where the prefix names the QoS
// class: kubepods (Guaranteed), kubepods-burstable, kubepods-besteffort; kind's kubelet puts
// "kubelet-" before each.
std::optional<Pod> pod_from_slice(std::string_view name) {
    auto body = between(name, "", ".slice");
    if (!body) return std::nullopt;
    const std::size_t at = body->rfind("-pod");
    if (at == std::string_view::npos) return std::nullopt;
    auto uid = pod_uid(body->substr(at + 4));
    if (!uid) return std::nullopt;
    const std::string_view prefix = body->substr(0, at);
    struct Class {
        std::string_view name;
        PodQos qos;
    };
    constexpr std::array<Class, 3> classes{{{"kubepods-burstable", PodQos::burstable},
                                            {"kubepods-besteffort", PodQos::besteffort},
                                            {"kubepods", PodQos::guaranteed}}};
    for (const Class& c : classes) {
        if (prefix == c.name || (prefix.size() > c.name.size() && prefix.ends_with(c.name) &&
                                 prefix[prefix.size() - c.name.size() - 1] == '-'))
            return Pod{std::move(*uid), c.qos};
    }
    return std::nullopt;
}

// The cgroupfs driver's pod directory: kubepods/pod<uid> (Guaranteed) or
// kubepods/{burstable,besteffort}/pod<uid>.
std::optional<Pod> pod_from_dir(std::string_view name, std::string_view parent, std::string_view grandparent) {
    auto uid_text = between(name, "pod", "");
    if (!uid_text) return std::nullopt;
    auto uid = pod_uid(*uid_text);
    if (!uid) return std::nullopt;
    if (parent == "kubepods") return Pod{std::move(*uid), PodQos::guaranteed};
    if (grandparent != "kubepods") return std::nullopt;
    if (parent == "burstable") return Pod{std::move(*uid), PodQos::burstable};
    if (parent == "besteffort") return Pod{std::move(*uid), PodQos::besteffort};
    return std::nullopt;
}

// "<prefix>-<id>[.scope]" and friends: the names runtimes give a container's own cgroup.
std::optional<Found> container_from_name(std::string_view name, std::string_view parent) {
    struct Form {
        std::string_view prefix, suffix;
        Runtime runtime;
    };
    // libpod-conmon-<id>.scope and crio-conmon-<id> do not match: "conmon-<id>" is no id.
    constexpr std::array<Form, 9> forms{{{"docker-", ".scope", Runtime::docker},
                                         {"cri-containerd-", ".scope", Runtime::containerd},
                                         {"nerdctl-", ".scope", Runtime::containerd},
                                         {"crio-", ".scope", Runtime::crio},
                                         {"crio-", "", Runtime::crio},
                                         {"libpod-", ".scope", Runtime::podman},
                                         {"libpod-payload-", "", Runtime::podman},
                                         {"libpod-", "", Runtime::podman},
                                         {"", "", Runtime::unknown}}};
    for (const Form& form : forms) {
        auto id = between(name, form.prefix, form.suffix);
        if (!id) continue;
        if (is_container_id(*id)) {
            Runtime runtime = form.runtime;
            if (runtime == Runtime::unknown) {
                // podman's cgroupfs manager puts a pod's cgroups in a directory named after the
                // pod's (64-hex) id: /libpod_parent/<pod id>/libpod-<id>, and conmon beside them.
                if (parent == "libpod_parent") return std::nullopt;
                if (parent == "docker") runtime = Runtime::docker;
            }
            return Found{runtime, *id};
        }
        // dockerd gives BuildKit "docker" (cgroupfs: <parent>/buildkit/<id>) or
        // "system.slice:docker:" (systemd: docker-<id>.scope) as the cgroup parent.
        if (is_buildkit_id(*id) &&
            ((form.prefix == "docker-" && form.suffix == ".scope") || (form.prefix.empty() && parent == "buildkit")))
            return Found{Runtime::buildkit, *id};
    }
    return std::nullopt;
}

// "<slice>:<prefix>:<id>": the systemd form of an OCI cgroupsPath, left as a literal directory
// name when the runtime runs with the cgroupfs driver (containerd's SystemdCgroup unset while
// the kubelet uses systemd). The slice may be the pod's.
std::optional<Found> container_from_colon_form(std::string_view name, std::optional<Pod>& pod) {
    const std::size_t first = name.find(':');
    const std::size_t second = name.find(':', first + 1);
    if (first == std::string_view::npos || second == std::string_view::npos) return std::nullopt;
    if (name.find(':', second + 1) != std::string_view::npos) return std::nullopt;
    const std::string_view slice = name.substr(0, first);
    const std::string_view prefix = name.substr(first + 1, second - first - 1);
    const std::string_view id = name.substr(second + 1);
    Runtime runtime = Runtime::unknown;
    if (prefix == "cri-containerd")
        runtime = Runtime::containerd;
    else if (prefix == "crio")
        runtime = Runtime::crio;
    else if (prefix == "docker")
        runtime = Runtime::docker;
    else if (prefix == "libpod")
        runtime = Runtime::podman;
    else
        return std::nullopt;
    if (!is_container_id(id)) {
        if (runtime != Runtime::docker || !is_buildkit_id(id)) return std::nullopt;
        runtime = Runtime::buildkit;
    }
    pod = pod_from_slice(slice);
    return Found{runtime, id};
}

struct Component {
    std::optional<Found> container;
    std::optional<Pod> pod;
};

}  // namespace

bool is_container_id(std::string_view text) { return text.size() == 64 && all_of(text, is_lower_hex); }

std::string_view runtime_name(Runtime runtime) {
    switch (runtime) {
    case Runtime::docker: return "docker";
    case Runtime::containerd: return "containerd";
    case Runtime::crio: return "cri-o";
    case Runtime::podman: return "podman";
    case Runtime::buildkit: return "buildkit";
    case Runtime::unknown: break;
    }
    return "";
}

std::string_view qos_name(PodQos qos) {
    switch (qos) {
    case PodQos::guaranteed: return "Guaranteed";
    case PodQos::burstable: return "Burstable";
    case PodQos::besteffort: return "BestEffort";
    case PodQos::none: break;
    }
    return "";
}

Runtime parse_runtime(std::string_view name) {
    for (Runtime r : {Runtime::docker, Runtime::containerd, Runtime::crio, Runtime::podman, Runtime::buildkit})
        if (runtime_name(r) == name) return r;
    return Runtime::unknown;
}

PodQos parse_qos(std::string_view name) {
    for (PodQos q : {PodQos::guaranteed, PodQos::burstable, PodQos::besteffort})
        if (qos_name(q) == name) return q;
    return PodQos::none;
}

std::optional<CgroupContainer> container_from_cgroup(std::string_view path) {
    if (path.empty() || path.size() > kMaxCgroupPathLength || path.front() != '/') return std::nullopt;
    if (path.find('\0') != std::string_view::npos) return std::nullopt;

    std::vector<std::string_view> names;
    for (std::size_t at = 0; at < path.size();) {
        std::size_t end = path.find('/', at);
        if (end == std::string_view::npos) end = path.size();
        std::string_view name = path.substr(at, end - at);
        if (name == "." || name == "..") return std::nullopt;
        if (!name.empty()) names.push_back(name);
        at = end + 1;
    }

    std::vector<Component> components(names.size());
    std::optional<std::size_t> innermost;
    for (std::size_t i = 0; i < names.size(); ++i) {
        const std::string_view parent = i >= 1 ? names[i - 1] : std::string_view();
        const std::string_view grandparent = i >= 2 ? names[i - 2] : std::string_view();
        Component& c = components[i];
        if (names[i].find(':') != std::string_view::npos) {
            c.container = container_from_colon_form(names[i], c.pod);
        } else {
            c.pod = pod_from_slice(names[i]);
            if (!c.pod) c.pod = pod_from_dir(names[i], parent, grandparent);
            if (!c.pod) c.container = container_from_name(names[i], parent);
        }
        if (c.container) innermost = i;
    }
    if (!innermost) return std::nullopt;

    CgroupContainer out;
    out.runtime = components[*innermost].container->runtime;
    out.id = std::string(components[*innermost].container->id);
    // The pod is the nearest one around the container (or in its own name, in the colon form);
    // its own container is the first one inside it.
    for (std::size_t i = *innermost + 1; i-- > 0;) {
        if (!components[i].pod) continue;
        out.pod_uid = components[i].pod->uid;
        out.qos = components[i].pod->qos;
        for (std::size_t j = i; j < *innermost; ++j) {
            if (!components[j].container) continue;
            out.pod_container_id = std::string(components[j].container->id);
            out.pod_container_runtime = components[j].container->runtime;
            break;
        }
        break;
    }
    return out;
}

}  // namespace egresswatch
