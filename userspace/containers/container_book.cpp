#include "containers/container_book.h"

#include <chrono>
#include <exception>

namespace egresswatch {
namespace {

std::int64_t monotonic_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace

ContainerBook::ContainerBook(ContainerRoots roots, std::size_t capacity, Clock clock)
    : files_(std::move(roots)), capacity_(capacity > 0 ? capacity : 1), clock_(std::move(clock)) {
    if (!clock_) clock_ = monotonic_ns;
}

const ContainerInfo* ContainerBook::lookup(std::uint64_t cgroup_id, std::string_view cgroup_path) {
    if (cgroup_id == 0) return nullptr;
    try {
        if (auto it = cgroups_.find(cgroup_id); it != cgroups_.end()) {
            Slot* slot = it->second.get();
            if (!slot) return nullptr;
            if (!slot->settled) {
                const std::int64_t now = clock_();
                if (now - slot->last_try_ns >= kRetryInterval) enrich(*slot, now);
            }
            return &slot->info;
        }
        // A cgroup id is the inode number of its directory and is not reused while egresswatch
        // runs, so what its path says now holds for every later event.
        std::shared_ptr<Slot> slot;
        if (auto parsed = container_from_cgroup(cgroup_path)) slot = slot_for(*parsed, clock_());
        const ContainerInfo* info = slot ? &slot->info : nullptr;
        remember(cgroup_id, std::move(slot));
        return info;
    } catch (const std::exception&) {
        // Out of memory, in effect: the record goes without its container rather than not at all.
        return nullptr;
    }
}

std::shared_ptr<ContainerBook::Slot> ContainerBook::slot_for(const CgroupContainer& parsed, std::int64_t now) {
    // Sub-cgroups of a container (init.scope, crun's "container") share its slot.
    if (auto it = by_container_.find(parsed.id); it != by_container_.end())
        if (auto slot = it->second.lock()) return slot;
    auto slot = std::make_shared<Slot>();
    slot->cgroup = parsed;
    slot->info = container_from_path(parsed);
    enrich(*slot, now);
    by_container_[parsed.id] = slot;
    return slot;
}

void ContainerBook::enrich(Slot& slot, std::int64_t now) {
    ++file_lookups_;
    slot.last_try_ns = now;
    slot.settled = files_.add(slot.cgroup, slot.info);
}

void ContainerBook::remember(std::uint64_t cgroup_id, std::shared_ptr<Slot> slot) {
    cgroups_.emplace(cgroup_id, std::move(slot));
    order_.push_back(cgroup_id);
    while (cgroups_.size() > capacity_) {
        auto it = cgroups_.find(order_.front());
        order_.pop_front();
        if (it == cgroups_.end()) continue;
        std::shared_ptr<Slot> gone = std::move(it->second);
        cgroups_.erase(it);
        // The container's last cgroup is gone: forget the container too.
        if (gone && gone.use_count() == 1) by_container_.erase(gone->cgroup.id);
    }
}

}  // namespace egresswatch
