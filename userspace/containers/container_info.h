#pragma once
// What a record says about the container its process ran in, and the pod around it.

#include <optional>
#include <string>

#include "containers/cgroup_path.h"

namespace egresswatch {

struct PodInfo {
    std::string namespace_name;
    std::string name;
    std::string uid;
    // The Kubernetes name of the pod's container the process is in; empty for the pod's sandbox.
    std::string container;
    PodQos qos = PodQos::none;

    bool operator==(const PodInfo&) const = default;
};

struct ContainerInfo {
    std::string id;
    std::string name;
    std::string image;
    Runtime runtime = Runtime::unknown;
    std::optional<PodInfo> pod;

    bool operator==(const ContainerInfo&) const = default;
};

}  // namespace egresswatch
