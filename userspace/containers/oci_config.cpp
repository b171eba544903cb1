#include "containers/oci_config.h"

#include <nlohmann/json.hpp>

#include "containers/bounded_file.h"
#include "containers/json_fields.h"

namespace egresswatch {

std::optional<OciIdentity> oci_identity_from_json(std::string_view text) {
    const nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!doc.is_object()) return std::nullopt;
    OciIdentity out;
    const nlohmann::json* notes = object_field(doc, "annotations");
    if (!notes) return out;
    auto note = [&](const char* key) { return string_field(*notes, key); };

    if (notes->contains("io.kubernetes.cri.container-type") || notes->contains("io.kubernetes.cri.sandbox-id")) {
        out.writer = Runtime::containerd;
        out.sandbox = note("io.kubernetes.cri.container-type") == "sandbox";
        out.container_name = note("io.kubernetes.cri.container-name");
        out.image = note(out.sandbox ? "io.kubernetes.cri.podsandbox.image-name" : "io.kubernetes.cri.image-name");
        out.pod_namespace = note("io.kubernetes.cri.sandbox-namespace");
        out.pod_name = note("io.kubernetes.cri.sandbox-name");
        out.pod_uid = note("io.kubernetes.cri.sandbox-uid");
        out.sandbox_id = note("io.kubernetes.cri.sandbox-id");
        return out;
    }

    const std::string manager = note("io.container.manager");
    if (manager == "cri-o") out.writer = Runtime::crio;
    if (manager == "libpod") out.writer = Runtime::podman;
    out.sandbox = note("io.kubernetes.cri-o.ContainerType") == "sandbox";
    out.sandbox_id = note("io.kubernetes.cri-o.SandboxID");
    if (out.writer == Runtime::podman) return out;  // the rest would be a user's own annotations

    // CRI-O copies the kubelet's labels as annotations, and keeps them all in one JSON string.
    const nlohmann::json labels = nlohmann::json::parse(note("io.kubernetes.cri-o.Labels"), nullptr, false);
    auto label = [&](const char* key) {
        std::string value = note(key);
        return value.empty() && labels.is_object() ? string_field(labels, key) : value;
    };
    out.pod_namespace = label("io.kubernetes.pod.namespace");
    out.pod_name = label("io.kubernetes.pod.name");
    out.pod_uid = label("io.kubernetes.pod.uid");
    // The sandbox's labels name the infra container "POD"; it is none of the pod's containers.
    if (!out.sandbox) out.container_name = label("io.kubernetes.container.name");
    out.image = note("io.kubernetes.cri-o.ImageName");
    if (out.image.empty()) out.image = note("io.kubernetes.cri-o.Image");
    return out;
}

std::optional<OciIdentity> read_oci_identity(const std::string& path) {
    auto text = read_bounded_file(path, kMaxOciConfigBytes);
    if (!text) return std::nullopt;
    return oci_identity_from_json(*text);
}

}  // namespace egresswatch
