#include "allowlist/image_reference.h"

#include <algorithm>
#include <cctype>

namespace egresswatch {
namespace {

struct ImageName {
    std::string repository;  // with its registry: docker.io/library/busybox
    std::string tag;         // empty: none written
    std::string digest;      // empty: none written
};

// Docker's rule for a short name: the first component is a registry only if it looks like a
// host (a dot or a port) or is localhost.
ImageName split_image(std::string_view ref) {
    ImageName out;
    if (auto at = ref.find('@'); at != std::string_view::npos) {
        out.digest = std::string(ref.substr(at + 1));
        ref = ref.substr(0, at);
    }
    auto colon = ref.rfind(':');
    auto slash = ref.rfind('/');
    if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
        out.tag = std::string(ref.substr(colon + 1));
        ref = ref.substr(0, colon);
    }
    auto first_slash = ref.find('/');
    std::string_view first = ref.substr(0, first_slash);
    bool has_registry = first_slash != std::string_view::npos &&
                        (first.find_first_of(".:") != std::string_view::npos || first == "localhost");
    if (has_registry)
        out.repository = std::string(ref);
    else if (first_slash == std::string_view::npos)
        out.repository = "docker.io/library/" + std::string(ref);
    else
        out.repository = "docker.io/" + std::string(ref);
    return out;
}

bool reference_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-' || c == '/' || c == ':' || c == '@';
}

}  // namespace

std::string_view workload_image(bool in_container, std::string_view image) {
    if (!in_container) return kNoContainer;
    return image.empty() ? kUnknownImage : image;
}

std::optional<std::string> image_item_problem(std::string_view item) {
    if (item == kNoContainer || item == kUnknownImage) return std::nullopt;
    if (item.empty()) return "an image is empty (write registry.example/app:1.2, or '(no container)')";
    // Docker's own limit on a name is 255; a tag and a digest add at most 200.
    if (item.size() > 512) return "an image is longer than 512 characters";
    if (!std::all_of(item.begin(), item.end(), reference_char) || !std::isalnum(static_cast<unsigned char>(item[0])))
        return "'" + std::string(item) +
               "' is not an image reference (write registry.example/app:1.2, busybox, app@sha256:<hex>, "
               "'(no container)' or '(unknown image)')";
    ImageName name = split_image(item);
    if (name.repository.back() == '/' || name.repository.find("//") != std::string::npos)
        return "'" + std::string(item) + "' has an empty path component";
    return std::nullopt;
}

bool image_item_matches(std::string_view item, std::string_view image) {
    if (item == image) return true;
    bool item_is_word = item == kNoContainer || item == kUnknownImage;
    bool image_is_word = image == kNoContainer || image == kUnknownImage;
    if (item_is_word || image_is_word) return false;
    ImageName want = split_image(item), got = split_image(image);
    if (want.repository != got.repository) return false;
    if (!want.digest.empty() && want.digest != got.digest) return false;
    // A reference run without a tag ran "latest".
    if (!want.tag.empty() && want.tag != (got.tag.empty() && got.digest.empty() ? "latest" : got.tag)) return false;
    return true;
}

}  // namespace egresswatch
