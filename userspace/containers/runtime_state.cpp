#include "containers/runtime_state.h"

#include <nlohmann/json.hpp>

#include "containers/bounded_file.h"
#include "containers/cgroup_path.h"
#include "containers/json_fields.h"

namespace egresswatch {

std::optional<std::unordered_map<std::string, RuntimeState>> podman_states_from_json(std::string_view containers_json) {
    const nlohmann::json doc = nlohmann::json::parse(containers_json, nullptr, /*allow_exceptions=*/false);
    if (!doc.is_array()) return std::nullopt;
    std::unordered_map<std::string, RuntimeState> out;
    for (const nlohmann::json& entry : doc) {
        std::string id = string_field(entry, "id");
        if (id.empty()) continue;
        RuntimeState state;
        // metadata is itself JSON, in a string: what podman asked containers/storage to keep.
        const nlohmann::json metadata = nlohmann::json::parse(string_field(entry, "metadata"), nullptr, false);
        if (auto names = entry.find("names");
            names != entry.end() && names->is_array() && !names->empty() && names->front().is_string()) {
            state.name = names->front().get<std::string>();
            if (state.name.size() > kMaxIdentityField) state.name.clear();
        }
        if (state.name.empty()) state.name = string_field(metadata, "name");
        state.image = string_field(metadata, "image-name");
        // A container made from an image that has no name: its id is all there is.
        if (state.image.empty()) state.image = string_field(entry, "image");
        out.emplace(std::move(id), std::move(state));
    }
    return out;
}

std::optional<RuntimeState> podman_state_from_json(std::string_view containers_json, std::string_view id) {
    auto states = podman_states_from_json(containers_json);
    if (!states) return std::nullopt;
    auto it = states->find(std::string(id));
    if (it == states->end()) return std::nullopt;
    return std::move(it->second);
}

std::optional<RuntimeState> docker_state_from_json(std::string_view config_v2_json) {
    const nlohmann::json doc = nlohmann::json::parse(config_v2_json, nullptr, /*allow_exceptions=*/false);
    if (!doc.is_object()) return std::nullopt;
    RuntimeState out;
    out.name = string_field(doc, "Name");
    if (out.name.starts_with('/')) out.name.erase(0, 1);  // Docker's names are paths: "/web"
    if (const nlohmann::json* config = object_field(doc, "Config")) {
        out.image = string_field(*config, "Image");
        if (const nlohmann::json* labels = object_field(*config, "Labels")) {
            out.pod_namespace = string_field(*labels, "io.kubernetes.pod.namespace");
            out.pod_name = string_field(*labels, "io.kubernetes.pod.name");
            out.pod_uid = string_field(*labels, "io.kubernetes.pod.uid");
            // cri-dockerd's sandbox is labelled "POD": it is none of the pod's containers.
            const std::string container = string_field(*labels, "io.kubernetes.container.name");
            if (container != "POD") out.pod_container = container;
        }
    }
    return out;
}

std::optional<RuntimeState> read_docker_state(const std::string& docker_root, std::string_view id) {
    if (!is_container_id(id)) return std::nullopt;  // it becomes part of a path
    auto text =
        read_bounded_file(docker_root + "/containers/" + std::string(id) + "/config.v2.json", kMaxDockerConfigBytes);
    if (!text) return std::nullopt;
    return docker_state_from_json(*text);
}

}  // namespace egresswatch
