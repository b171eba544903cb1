#pragma once
// `watch --container NAME|ID` and `watch --pod NAMESPACE/NAME`: the cgroup a running
// container's processes are in, found by walking the cgroup v2 tree for the cgroup whose path
// names that container (cgroup_path.h), by id (or a unique prefix of it, as `podman ps` and
// `docker ps` show 12 characters) or by the name its runtime's files give it
// (container_book.h); and a pod's, the cgroup its containers' cgroups are in.

#include <optional>
#include <string>

#include "containers/container_book.h"

namespace egresswatch {

struct ContainerCgroup {
    std::string path;  // relative to the mount: "/libpod_parent/libpod-<id>"
    ContainerInfo container;
};

// Throws std::runtime_error, in words, when `name_or_id` matches more than one container.
std::optional<ContainerCgroup> find_container_cgroup(const std::string& mount, const std::string& name_or_id,
                                                     ContainerBook& book);

// The pod's cgroup (kubelet's pod<uid> cgroup or slice), found through its running containers,
// which the runtime's files name with the pod's namespace and name. Throws std::runtime_error,
// in words, when its containers do not share one parent cgroup.
std::optional<std::string> find_pod_cgroup(const std::string& mount, const std::string& pod_namespace,
                                           const std::string& pod_name, ContainerBook& book);

}  // namespace egresswatch
