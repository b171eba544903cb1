#include "containers/podman_containers.h"

#include <sys/stat.h>

#include <array>

#include "containers/bounded_file.h"

namespace egresswatch {

std::optional<RuntimeState> PodmanContainers::find(std::string_view id) {
    // containers/storage names the directory after the storage driver; overlay is the default.
    constexpr std::array<const char*, 4> drivers{"overlay", "vfs", "btrfs", "zfs"};
    std::string path;
    struct stat st {};
    for (const char* driver : drivers) {
        path = graph_root_ + "/" + driver + "-containers/containers.json";
        if (::stat(path.c_str(), &st) == 0) break;
        path.clear();
    }
    if (path.empty()) return std::nullopt;
    const Version now{st.st_dev, st.st_ino, st.st_size,
                      static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
    if (path != path_ || now != version_) {
        // Parsed once per version, readable or not: a broken file is not read again until it
        // changes.
        path_ = path;
        version_ = now;
        states_.clear();
        if (auto text = read_bounded_file(path, kMaxPodmanContainersJsonBytes)) {
            ++parses_;
            if (auto states = podman_states_from_json(*text)) states_ = std::move(*states);
        }
    }
    auto it = states_.find(std::string(id));
    if (it == states_.end()) return std::nullopt;
    return it->second;
}

}  // namespace egresswatch
