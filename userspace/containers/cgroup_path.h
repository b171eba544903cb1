#pragma once
// Which container a cgroup v2 path (relative to the cgroup2 mount) belongs to, from the names
// the runtimes give their cgroups. The kernel hands us the cgroup at event time, so this works
// for processes that have already exited and never asks a runtime socket.
//
// The names (each is a test case in tests/unit/containers_test.cpp):
//   docker      /docker/<id>, /system.slice/docker-<id>.scope
//   podman      /libpod_parent/libpod-<id> (cgroupfs; what podman 4.3 makes on this machine's
//               hybrid layout), /libpod_parent/<pod id>/libpod-<id> (in a pod),
//               /machine.slice/libpod-<id>.scope, /machine.slice/machine-libpod_pod_<pod>.slice/
//               libpod-<id>.scope, rootless .../user@1000.service/user.slice/libpod-<id>.scope,
//               --cgroups=split .../libpod-payload-<id>
//   containerd  .../cri-containerd-<id>.scope, "<slice>:cri-containerd:<id>" (a systemd-style
//               cgroupsPath that runc took literally), /system.slice/nerdctl-<id>.scope
//   cri-o       .../crio-<id>.scope, .../crio-<id>
//   kubelet     /kubepods[/burstable|/besteffort]/pod<uid>/<id> (cgroupfs driver), and
//               /kubepods.slice/kubepods-<qos>.slice/kubepods-<qos>-pod<uid with _>.slice/...
//               (systemd driver, also under kind's kubelet.slice/kubelet-kubepods.slice)
//   buildkit    /docker/buildkit/<id>, /buildkit/<id>, /system.slice/docker-<id>.scope with
//               buildkit's 25-character id (the RUN steps of `docker build`)
// A bare 64-hex component is a container whose runtime the path does not say: under kubepods
// it is containerd's or cri-dockerd's, and Docker with a --cgroup-parent names it the same way
// (GitHub's hosted runners have set /actions_job: /actions_job/<id>). Except under
// /libpod_parent, where it is a podman pod's directory (its containers are libpod-<id> inside);
// a pod given another --cgroup-parent cannot be told from a container by its path.
//
// Monitors are not containers: podman's libpod-conmon-<id>.scope and CRI-O's
// crio-conmon-<id>[.scope] hold conmon, which runs on the host's side of the container.
// A cgroup below a container's (systemd's init.scope inside it, crun's "container" subgroup)
// belongs to that container. When a container's cgroup sits inside another's (a build inside a
// pod, Docker in Docker), the innermost is the container; the pod is the nearest kubepods pod
// around it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace egresswatch {

enum class Runtime : std::uint8_t { unknown, docker, containerd, crio, podman, buildkit };

// "docker", "containerd", "cri-o", "podman", "buildkit"; "" for unknown.
std::string_view runtime_name(Runtime runtime);
// The inverse, for reading records back: unknown for "" or a name this build does not know.
Runtime parse_runtime(std::string_view name);

// The pod's QoS class, from the kubepods cgroup it sits in; none outside Kubernetes.
enum class PodQos : std::uint8_t { none, guaranteed, burstable, besteffort };

// "Guaranteed", "Burstable", "BestEffort" (as Kubernetes spells them); "" for none.
std::string_view qos_name(PodQos qos);
PodQos parse_qos(std::string_view name);

struct CgroupContainer {
    Runtime runtime = Runtime::unknown;
    // 64 lowercase hex digits; for buildkit, its 25-character base-36 id.
    std::string id;
    // Kubernetes: the pod's UID with dashes (as the API shows it), and its QoS class.
    std::string pod_uid;
    PodQos qos = PodQos::none;
    // When `id` is nested inside the pod's own container (a build or Docker in Docker inside a
    // pod), that container: its files name the pod. Empty when `id` is the pod's container.
    std::string pod_container_id;
    Runtime pod_container_runtime = Runtime::unknown;

    bool operator==(const CgroupContainer&) const = default;
};

// 64 lowercase hex digits: the id Docker, containerd, CRI-O and podman give a container.
bool is_container_id(std::string_view text);

// Longer paths are refused: the kernel's own paths are far shorter, and the parse stays bounded.
constexpr std::size_t kMaxCgroupPathLength = 4096;

// nullopt when the path is no container's, or is odd: relative, with "." or "..", a NUL, or
// longer than kMaxCgroupPathLength. Ids must have their exact length and alphabet.
std::optional<CgroupContainer> container_from_cgroup(std::string_view path);

}  // namespace egresswatch
