#pragma once
// Reading fields of runtime state files that may not have the shape we expect: a missing field,
// a field of another type, or an absurdly long string all read as absent, never as an exception.

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace egresswatch {

// Names, image references and UIDs are far shorter (Kubernetes names are at most 253 bytes).
constexpr std::size_t kMaxIdentityField = 1024;

inline const nlohmann::json* object_field(const nlohmann::json& object, const char* key) {
    if (!object.is_object()) return nullptr;
    auto it = object.find(key);
    return it != object.end() && it->is_object() ? &*it : nullptr;
}

inline std::string string_field(const nlohmann::json& object, const char* key) {
    if (!object.is_object()) return {};
    auto it = object.find(key);
    if (it == object.end() || !it->is_string()) return {};
    const auto& value = it->get_ref<const std::string&>();
    return value.size() <= kMaxIdentityField ? value : std::string();
}

}  // namespace egresswatch
