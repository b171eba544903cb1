#pragma once
// Names the process a record is about: what the kernel said of the task (pid, tid, uid, comm)
// joined with what the process table knows (exe, argv, ancestry) and the task's cgroup. The
// enricher names connects and execs with it, the flow inspector the DNS, TLS and HTTP records
// it makes, and only for the records it emits (most packets emit none).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "pipeline/events.h"
#include "pipeline/process_table.h"
#include "pipeline/records.h"

namespace egresswatch {

class ProcessNamer {
public:
    // cgroup id -> path below the cgroup2 mount; empty if unknown.
    using CgroupPath = std::function<std::string(std::uint64_t cgroup_id)>;

    // cgroup id and path -> the container it belongs to, if any (containers/container_book.h).
    using ContainerOf = std::function<std::optional<ContainerInfo>(std::uint64_t cgroup_id, const std::string& path)>;

    explicit ProcessNamer(ProcessTable& processes, CgroupPath cgroup_path = {}, ContainerOf container_of = {})
        : processes_(processes), cgroup_path_(std::move(cgroup_path)), container_of_(std::move(container_of)) {}

    ProcessRef name(const TaskContext& task) const {
        ProcessRef ref;
        ref.pid = task.pid;
        ref.tid = task.tid;
        ref.uid = task.uid;
        ref.comm = task.comm;
        if (const ProcessInfo* p = processes_.find(task.pid)) {
            ref.exe = p->exe;
            ref.argv = p->argv;
        }
        if (cgroup_path_) ref.cgroup = cgroup_path_(task.cgroup_id);
        if (container_of_) ref.container = container_of_(task.cgroup_id, ref.cgroup);
        ref.ancestry = processes_.ancestry(task.pid, &ref.ancestry_truncated);
        return ref;
    }

private:
    ProcessTable& processes_;
    CgroupPath cgroup_path_;
    ContainerOf container_of_;
};

}  // namespace egresswatch
