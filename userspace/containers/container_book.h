#pragma once
// The container (and Kubernetes pod) of each cgroup, for the records: resolved once per cgroup
// id from the cgroup's path (cgroup_path.h) and enriched from the files the runtimes leave on
// disk (oci_config.h, runtime_state.h). Only local files are read, never a runtime's socket, so
// a lookup never waits on a daemon.
//
// A container whose files are not there (not written yet, or already removed) still gets its id
// and runtime from the path; its files are looked for again at most once a second until found.
// Cgroups that are no container's are remembered too, so the host's own events cost one hash
// lookup. The book holds at most `capacity` cgroups and forgets the oldest first.
//
// Measured cost of a lookup (a scratch timing loop, -O2, on the shared 2-core development VM,
// so within +-50%): the first lookup of a container whose files are there costs 35-90 us: one
// small JSON file (3-10 KB) opened, read and parsed, podman's containers.json, a containerd
// bundle after listing the namespaces, or a Docker config.v2.json. 15-25 us when no file is
// there yet (the retries cost the same, once a second at most). 0.4 us for a cgroup that is no
// container's, a few ns for any cgroup seen before, 0.4 us for a new sub-cgroup of a known
// container. podman's containers.json grows with the host's containers (3.5 ms to parse with
// 500), so it is parsed once per version (podman_containers.h); with it parsed, another podman
// container's first lookup costs 3 us. The files are in /run (tmpfs) and /var/lib, read through
// the page cache; the pipeline can afford this once per container, not once per event.

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "containers/cgroup_path.h"
#include "containers/container_files.h"
#include "containers/container_info.h"

namespace egresswatch {

class ContainerBook {
public:
    // Monotonic nanoseconds; tests pass their own.
    using Clock = std::function<std::int64_t()>;
    static constexpr std::int64_t kRetryInterval = 1'000'000'000;
    static constexpr std::size_t kDefaultCapacity = 8192;

    explicit ContainerBook(ContainerRoots roots = {}, std::size_t capacity = kDefaultCapacity, Clock clock = {});

    // The container of the cgroup, or null when it is none (or cgroup_id is 0, no cgroup). The
    // pointer stays valid until the next call. Never throws. One thread at a time: the book
    // has no lock, as the pipeline asks it from its one thread.
    const ContainerInfo* lookup(std::uint64_t cgroup_id, std::string_view cgroup_path);

    std::size_t cgroups() const { return cgroups_.size(); }
    // How many times the runtimes' files were looked for: once per new container, and once per
    // retry.
    std::uint64_t file_lookups() const { return file_lookups_; }

private:
    struct Slot {
        ContainerInfo info;
        CgroupContainer cgroup;
        bool settled = false;  // its files were found, or it has none: no more retries
        std::int64_t last_try_ns = 0;
    };

    void enrich(Slot& slot, std::int64_t now);
    std::shared_ptr<Slot> slot_for(const CgroupContainer& parsed, std::int64_t now);
    void remember(std::uint64_t cgroup_id, std::shared_ptr<Slot> slot);

    ContainerFiles files_;
    std::size_t capacity_;
    Clock clock_;
    // null: not a container. Sub-cgroups of one container share its slot, and its retry timer.
    std::unordered_map<std::uint64_t, std::shared_ptr<Slot>> cgroups_;
    std::deque<std::uint64_t> order_;
    std::unordered_map<std::string, std::weak_ptr<Slot>> by_container_;
    std::uint64_t file_lookups_ = 0;
};

}  // namespace egresswatch
