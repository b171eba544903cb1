#pragma once
// Fills in a container's name, image and pod from the files its runtime left on disk, given
// what its cgroup path said (cgroup_path.h). Reads local files only.

#include <string>

#include "containers/cgroup_path.h"
#include "containers/container_info.h"
#include "containers/podman_containers.h"

namespace egresswatch {

// Where the runtimes keep their files; prefix them with the host's root when egresswatch runs
// in a container.
struct ContainerRoots {
    std::string containerd_tasks = "/run/containerd/io.containerd.runtime.v2.task";
    std::string storage_run = "/run/containers/storage";        // CRI-O
    std::string storage_graph = "/var/lib/containers/storage";  // podman (as root), CRI-O
    std::string docker = "/var/lib/docker";
};

// The container as its cgroup path alone describes it: id, runtime, pod UID and QoS.
ContainerInfo container_from_path(const CgroupContainer& cgroup);

class ContainerFiles {
public:
    explicit ContainerFiles(ContainerRoots roots) : roots_(std::move(roots)), podman_(roots_.storage_graph) {}

    // Adds what the files say to `info`. Returns whether they were found: false when the
    // runtime's files are not there (yet, or any more), and the caller may look again later. A
    // container with nothing on disk to read (a BuildKit step) counts as found.
    bool add(const CgroupContainer& cgroup, ContainerInfo& info);

    const PodmanContainers& podman() const { return podman_; }

private:
    ContainerRoots roots_;
    PodmanContainers podman_;
};

}  // namespace egresswatch
