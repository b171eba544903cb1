#pragma once
// Container images in allowlists: the `images:` list of an entry says which images' containers
// reached a destination (as recorded) or may reach it (as a rule). Two words that no image
// reference can be (references have no spaces or parentheses) stand for processes outside any
// container and for a container whose runtime left no image on disk.

#include <optional>
#include <string>
#include <string_view>

namespace egresswatch {

inline constexpr std::string_view kNoContainer = "(no container)";
inline constexpr std::string_view kUnknownImage = "(unknown image)";

// What an `images:` item is compared with, for a process in a container with `image` (empty:
// unknown) or outside any container.
std::string_view workload_image(bool in_container, std::string_view image);

// Why `item` cannot be an `images:` item, or nullopt when it can: one of the two words above,
// or an image reference (registry.example/team/app:1.2, busybox, app@sha256:<hex>).
std::optional<std::string> image_item_problem(std::string_view item);

// Whether an `images:` item allows a workload_image(). A reference without a registry is on
// Docker Hub (busybox is docker.io/library/busybox), and one without a tag or digest allows
// every tag and digest of its repository; with either, only that one.
bool image_item_matches(std::string_view item, std::string_view image);

}  // namespace egresswatch
