#pragma once
// podman's containers.json (runtime_state.h), parsed once per version of the file. It lists
// every container of the host and podman rewrites it whole (a new file, renamed into place)
// when one is created or removed: on a host with 500 containers it is 260 KB and takes 3.5 ms
// to parse, too much to pay again for each new container's first event.

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "containers/runtime_state.h"

namespace egresswatch {

class PodmanContainers {
public:
    // <graph_root>/<driver>-containers/containers.json, for the first storage driver that has one.
    explicit PodmanContainers(std::string graph_root) : graph_root_(std::move(graph_root)) {}

    // nullopt when the file is missing, unreadable, or does not list `id`. Never throws.
    std::optional<RuntimeState> find(std::string_view id);

    // How many times the file was parsed.
    std::uint64_t parses() const { return parses_; }

private:
    struct Version {
        dev_t dev = 0;
        ino_t ino = 0;
        off_t size = -1;
        std::int64_t mtime_ns = 0;
        bool operator==(const Version&) const = default;
    };

    std::string graph_root_;
    std::string path_;
    Version version_;
    std::unordered_map<std::string, RuntimeState> states_;
    std::uint64_t parses_ = 0;
};

}  // namespace egresswatch
