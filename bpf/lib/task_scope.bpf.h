/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Whether the current task is one to report, for the programs that run in every task: the
 * sched tracepoints are global, and a TLS library's uprobes fire in every process that maps
 * the library. When filter_by_cgroup is set they report only tasks under scope_cgroup[0] and
 * tasks in a cgroup the run follows (followed_cgroups.bpf.h). (The connect and sendmsg hooks
 * decide by the acting task's cgroup id instead: acting_task.bpf.h.)
 */
#ifndef EGRESSWATCH_TASK_SCOPE_BPF_H
#define EGRESSWATCH_TASK_SCOPE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "followed_cgroups.bpf.h"

const volatile bool filter_by_cgroup = false;

/* Slot 0 holds the cgroup that scopes process events when filter_by_cgroup is set. */
struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} scope_cgroup SEC(".maps");

static __always_inline bool task_in_scope(void)
{
	return !filter_by_cgroup || bpf_current_task_under_cgroup(&scope_cgroup, 0) == 1 ||
	       cgroup_followed(bpf_get_current_cgroup_id());
}

#endif
