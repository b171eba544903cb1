#pragma once
// What a container's OCI runtime bundle (config.json) says about it: the runtime that wrote it,
// and for Kubernetes the pod and container names from the annotations the CRI runtimes add.
//
//   containerd  /run/containerd/io.containerd.runtime.v2.task/<namespace>/<id>/config.json
//               io.kubernetes.cri.{sandbox-name,sandbox-namespace,sandbox-uid,container-name,
//               image-name,container-type,sandbox-id}; a pod's sandbox (pause) container has
//               io.kubernetes.cri.podsandbox.image-name instead of image-name.
//   CRI-O       /run/containers/storage/overlay-containers/<id>/userdata/config.json (and the
//               same under /var/lib): the kubelet's labels copied as annotations
//               (io.kubernetes.pod.{name,namespace,uid}, io.kubernetes.container.name; also
//               inside the JSON string io.kubernetes.cri-o.Labels), io.kubernetes.cri-o.ImageName,
//               io.kubernetes.cri-o.ContainerType, io.container.manager: "cri-o".
//   podman      /var/lib/containers/storage/overlay-containers/<id>/userdata/config.json (the
//               graph root, not /run: podman 4.3 keeps only conmon's files there). No name, no
//               image: io.container.manager: "libpod", and for a container in a pod
//               io.kubernetes.cri-o.SandboxID (the pod's infra container). runtime_state.h has
//               podman's names.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "containers/cgroup_path.h"

namespace egresswatch {

struct OciIdentity {
    // containerd (io.kubernetes.cri.*), cri-o or podman (io.container.manager); unknown otherwise.
    Runtime writer = Runtime::unknown;
    // The pod's sandbox (pause or infra) container, not one of the pod's containers.
    bool sandbox = false;
    std::string container_name;  // the Kubernetes container name
    std::string image;
    std::string pod_namespace;
    std::string pod_name;
    std::string pod_uid;
    std::string sandbox_id;

    bool operator==(const OciIdentity&) const = default;
};

// OCI configs are tens of kilobytes; a pod with huge annotations stays well below this.
constexpr std::size_t kMaxOciConfigBytes = 4 << 20;

// nullopt when the text is not a JSON object. Never throws.
std::optional<OciIdentity> oci_identity_from_json(std::string_view text);

// Reads <path> with the bound above; nullopt when it is missing, too big or not JSON.
std::optional<OciIdentity> read_oci_identity(const std::string& path);

}  // namespace egresswatch
