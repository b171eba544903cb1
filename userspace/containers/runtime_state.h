#pragma once
// A container's name and image from what podman and Docker keep on disk, read without asking
// their sockets (a query could block the event path, and the daemon may be gone).
//
//   podman  <graph root>/overlay-containers/containers.json (read by podman_containers.h) (containers/storage): an
//   array of
//           {"id", "names": [...], "image": <image id>, "metadata": "<JSON string with
//           image-name, image-id, name, created-at>"}. The graph root is
//           /var/lib/containers/storage for root; rootless podman keeps its own under
//           ~/.local/share/containers/storage.
//   Docker  <root>/containers/<id>/config.v2.json: "Name": "/web", "Config": {"Image": ...,
//           "Labels": {...}}; containers the kubelet made through cri-dockerd carry the pod in
//           the io.kubernetes.* labels.
//
// The roots are parameters, so the tests use fixtures. Files are read with a size bound; a
// missing, oversized or malformed file gives nullopt, never an exception.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace egresswatch {

struct RuntimeState {
    std::string name;
    std::string image;
    // Kubernetes, from a Docker container's labels; empty otherwise.
    std::string pod_namespace;
    std::string pod_name;
    std::string pod_uid;
    std::string pod_container;

    bool operator==(const RuntimeState&) const = default;
};

// containers.json holds every container of the host, a few hundred bytes each.
constexpr std::size_t kMaxPodmanContainersJsonBytes = 16 << 20;
constexpr std::size_t kMaxDockerConfigBytes = 4 << 20;

// Every entry of a containers.json, by container id; nullopt when the text is not a JSON array.
std::optional<std::unordered_map<std::string, RuntimeState>> podman_states_from_json(std::string_view containers_json);
// The entry of `id` in a containers.json; nullopt when absent or the text is not JSON.
std::optional<RuntimeState> podman_state_from_json(std::string_view containers_json, std::string_view id);
// A config.v2.json; nullopt when it is not a JSON object.
std::optional<RuntimeState> docker_state_from_json(std::string_view config_v2_json);

// From <docker_root>/containers/<id>/config.v2.json. `id` must be a container id (64 hex).
std::optional<RuntimeState> read_docker_state(const std::string& docker_root, std::string_view id);

}  // namespace egresswatch
