#include "pipeline/process_namer.h"

namespace egresswatch {

ProcessRef ProcessNamer::name(const TaskContext& task) const {
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
    ref.ancestry = processes_.ancestry(task.pid, &ref.ancestry_truncated);
    return ref;
}

}  // namespace egresswatch
