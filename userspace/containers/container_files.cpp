#include "containers/container_files.h"

#include <dirent.h>

#include <optional>

#include "containers/oci_config.h"
#include "containers/runtime_state.h"

namespace egresswatch {
namespace {

// What one source said about a container, and whose files said it.
struct Found {
    Runtime runtime = Runtime::unknown;
    RuntimeState said;
};

Found from_oci(const OciIdentity& oci, Runtime runtime) {
    // A pod's sandbox is none of its containers.
    std::string pod_container = oci.sandbox ? std::string() : oci.container_name;
    return {runtime, {oci.container_name, oci.image, oci.pod_namespace, oci.pod_name, oci.pod_uid, pod_container}};
}

// containerd keeps one directory of bundles per namespace: k8s.io for the kubelet, moby for
// Docker, default for ctr and nerdctl. Namespaces are few; a host with more than this many is
// not one we look through.
constexpr int kMaxContainerdNamespaces = 64;

std::optional<Found> from_containerd(const ContainerRoots& roots, const std::string& id) {
    DIR* dir = ::opendir(roots.containerd_tasks.c_str());
    if (!dir) return std::nullopt;
    std::optional<Found> out;
    int seen = 0;
    while (const dirent* entry = ::readdir(dir)) {
        const std::string ns = entry->d_name;
        if (ns == "." || ns == "..") continue;
        if (++seen > kMaxContainerdNamespaces) break;
        auto oci = read_oci_identity(roots.containerd_tasks + "/" + ns + "/" + id + "/config.json");
        if (!oci) continue;
        // Docker's containers have their bundle here too, but their names are Docker's.
        out = from_oci(*oci, ns == "moby" ? Runtime::docker : Runtime::containerd);
        break;
    }
    ::closedir(dir);
    return out;
}

// CRI-O writes the bundle to both storage roots, podman only to the graph root; overlay is
// containers/storage's default driver, and the only one looked in.
std::optional<Found> from_storage_bundle(const ContainerRoots& roots, const std::string& id, Runtime runtime) {
    for (const std::string* root : {&roots.storage_run, &roots.storage_graph}) {
        auto oci = read_oci_identity(*root + "/overlay-containers/" + id + "/userdata/config.json");
        if (!oci) continue;
        return from_oci(*oci, oci->writer != Runtime::unknown ? oci->writer : runtime);
    }
    return std::nullopt;
}

std::optional<Found> from_docker(const ContainerRoots& roots, const std::string& id) {
    auto state = read_docker_state(roots.docker, id);
    if (!state) return std::nullopt;
    return Found{Runtime::docker, *state};
}

std::optional<Found> from_podman(PodmanContainers& podman, const std::string& id) {
    auto state = podman.find(id);
    if (!state) return std::nullopt;
    return Found{Runtime::podman, *state};
}

std::optional<Found> find(const ContainerRoots& roots, PodmanContainers& podman, Runtime runtime,
                          const std::string& id) {
    switch (runtime) {
    case Runtime::docker: return from_docker(roots, id);
    case Runtime::containerd: return from_containerd(roots, id);
    case Runtime::crio: return from_storage_bundle(roots, id, Runtime::crio);
    case Runtime::podman: return from_podman(podman, id);
    case Runtime::buildkit: {
        Found nothing;  // BuildKit keeps its state in a database of its own
        nothing.runtime = Runtime::buildkit;
        return nothing;
    }
    case Runtime::unknown: break;
    }
    // A bare id: under kubepods containerd's or cri-dockerd's, elsewhere Docker's with a
    // --cgroup-parent. The runtime whose files name it is its runtime.
    if (auto found = from_containerd(roots, id)) {
        if (found->runtime != Runtime::docker) return found;
        if (auto docker = from_docker(roots, id)) return docker;
        return found;
    }
    if (auto found = from_docker(roots, id)) return found;
    return from_storage_bundle(roots, id, Runtime::unknown);
}

void add_pod(const RuntimeState& found, ContainerInfo& info) {
    if (found.pod_name.empty() && found.pod_uid.empty()) return;
    PodInfo& pod = info.pod ? *info.pod : info.pod.emplace();
    if (!found.pod_namespace.empty()) pod.namespace_name = found.pod_namespace;
    if (!found.pod_name.empty()) pod.name = found.pod_name;
    if (pod.uid.empty()) pod.uid = found.pod_uid;  // the path's, when it has one, is the kernel's
    pod.container = found.pod_container;
}

}  // namespace

ContainerInfo container_from_path(const CgroupContainer& cgroup) {
    ContainerInfo info;
    info.id = cgroup.id;
    info.runtime = cgroup.runtime;
    if (!cgroup.pod_uid.empty()) info.pod = PodInfo{{}, {}, cgroup.pod_uid, {}, cgroup.qos};
    return info;
}

bool ContainerFiles::add(const CgroupContainer& cgroup, ContainerInfo& info) {
    const std::optional<Found> own = find(roots_, podman_, info.runtime, cgroup.id);
    if (own) {
        if (info.runtime == Runtime::unknown) info.runtime = own->runtime;
        if (!own->said.name.empty()) info.name = own->said.name;
        if (!own->said.image.empty()) info.image = own->said.image;
    }
    if (cgroup.pod_container_id.empty()) {
        if (own) add_pod(own->said, info);
        return own.has_value();
    }
    // Nested in a pod's container: that container's files name the pod.
    const std::optional<Found> outer = find(roots_, podman_, cgroup.pod_container_runtime, cgroup.pod_container_id);
    if (outer) add_pod(outer->said, info);
    return own && outer;
}

}  // namespace egresswatch
