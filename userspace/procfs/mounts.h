#pragma once
// Finding the cgroup v2 hierarchy from a mount table (/proc/self/mounts format).

#include <istream>
#include <optional>
#include <string>

namespace egresswatch {

// The first cgroup2 mount point, or nullopt if there is none. Octal escapes (\040 for a
// space) are decoded.
std::optional<std::string> find_cgroup2_mount(std::istream& mounts);

}  // namespace egresswatch
