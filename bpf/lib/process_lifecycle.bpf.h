/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Process lineage: the exec, fork and exit of every process in scope, which lets
 * userspace name every process even after it has exited. The sched tracepoints are
 * global; when filter_by_cgroup is set they report only tasks under scope_cgroup[0]
 * (task_scope.bpf.h).
 */
#ifndef EGRESSWATCH_PROCESS_LIFECYCLE_BPF_H
#define EGRESSWATCH_PROCESS_LIFECYCLE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "egresswatch/abi.h"
#include "acting_task.bpf.h" /* learn_scope_level */
#include "emit.bpf.h"
#include "exe_path.bpf.h"
#include "hold_new_programs.bpf.h"
#include "task_scope.bpf.h"

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec_record, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	struct ew_exec_event *e;
	unsigned long arg_start, arg_end;
	__u64 args_len;

	if (!task_in_scope())
		return 0;
	learn_scope_level(task);
	e = reserve_event(sizeof(*e), EW_EVENT_EXEC, EW_DROP_RINGBUF_EXEC);
	if (!e)
		return 0;

	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	hold_if_new_program(task, bprm, e);
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), BPF_CORE_READ(bprm, filename));
	bpf_probe_read_kernel_str(e->interp, sizeof(e->interp), BPF_CORE_READ(bprm, interp));
	read_exe_path(task, BPF_CORE_READ(bprm, file), e->exe);

	/* argv sits on the new stack between arg_start and arg_end; exec has just written
	 * it, so it is resident. */
	arg_start = BPF_CORE_READ(task, mm, arg_start);
	arg_end = BPF_CORE_READ(task, mm, arg_end);
	args_len = arg_end > arg_start ? arg_end - arg_start : 0;
	e->args_truncated = args_len > EW_ARGS_LEN;
	if (args_len > EW_ARGS_LEN)
		args_len = EW_ARGS_LEN;
	e->args_len = 0;
	if (args_len > 0) {
		if (bpf_probe_read_user(e->args, args_len & (EW_ARGS_LEN * 2 - 1), (void *)arg_start) == 0)
			e->args_len = args_len;
		else
			count_drop(EW_DROP_ARGS_UNREADABLE);
	}
	/* A held process waits for userspace: wake it now, not at its next drain. */
	if (e->held)
		bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
	else
		submit_event(e, sizeof(*e));
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(sched_process_fork_record, struct task_struct *parent, struct task_struct *child)
{
	struct ew_fork_event *e;
	__u32 child_pid = BPF_CORE_READ(child, pid);
	__u32 child_tgid = BPF_CORE_READ(child, tgid);

	/* Threads share their process's identity: only new processes matter. */
	if (child_pid != child_tgid || !task_in_scope())
		return 0;
	e = reserve_event(sizeof(*e), EW_EVENT_FORK, EW_DROP_RINGBUF_FORK);
	if (!e)
		return 0;
	e->child_tgid = child_tgid;
	e->pad = 0;
	submit_event(e, sizeof(*e));
	return 0;
}

/* The exit of the process whose last thread `task` is, once: both exit programs end here. */
static __always_inline void report_exit(struct task_struct *task)
{
	struct ew_exit_event *e;

	if (!task_in_scope())
		return;
	e = reserve_event(sizeof(*e), EW_EVENT_EXIT, EW_DROP_RINGBUF_EXIT);
	if (!e)
		return;
	e->exit_code = BPF_CORE_READ(task, exit_code);
	e->pad = 0;
	submit_event(e, sizeof(*e));
}

/* Kernels whose tracepoint passes group_dead (6.16 and later): do_exit()'s own answer to
 * whether this thread was the group's last. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(process_exit_group_dead, struct task_struct *task, bool group_dead)
{
	if (group_dead)
		report_exit(task);
	return 0;
}

/* Processes whose exit was reported, for process_exit_live_count: keyed by the group
 * leader's start time as well, so a reused pid is a new process. Entries are needed only
 * for the microseconds in which a group's threads exit together, so LRU eviction is safe. */
struct exit_key {
	__u64 leader_start_ns;
	__u32 tgid;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct exit_key);
	__type(value, __u8);
} reported_exits SEC(".maps");

/* Kernels whose tracepoint passes only the task (6.1, 6.12). do_exit() takes each thread
 * off signal->live before this tracepoint, so a count of 0 means the group is dead. Threads
 * that exit together may all read 0: the first to record the process reports it. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(process_exit_live_count, struct task_struct *task)
{
	struct exit_key key = {};
	__u8 reported = 1;

	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	key.leader_start_ns = BPF_CORE_READ(task, group_leader, start_time);
	key.tgid = BPF_CORE_READ(task, tgid);
	if (bpf_map_update_elem(&reported_exits, &key, &reported, BPF_NOEXIST) != 0)
		return 0;
	report_exit(task);
	return 0;
}

#endif
