// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * egresswatch kernel side: who connects where, and the process lineage that lets
 * userspace name every process even after it has exited.
 *
 * Socket hooks are cgroup programs, so they only see the cgroup they are attached to
 * (the run's cgroup, a watched cgroup or the root). The sched tracepoints are global;
 * when filter_by_cgroup is set they report only tasks under scope_cgroup[0].
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#include "egresswatch/abi.h"
#include "lib/maps.bpf.h"
#include "lib/emit.bpf.h"
#include "lib/sock_addr.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile bool filter_by_cgroup = false;
/* Report every connect() instead of the first per (process, destination, protocol). */
const volatile bool dedup_connects = true;

/* sock_addr programs: returning 1 lets the operation proceed. */
#define SOCK_ADDR_ALLOW 1

static __always_inline bool task_in_scope(void)
{
	return !filter_by_cgroup || bpf_current_task_under_cgroup(&scope_cgroup, 0) == 1;
}

/* A flow this process already reported: count it; false if it is new (and now recorded). */
static __always_inline bool counted_as_repeat(const struct ew_flow_key *key)
{
	struct ew_flow_value *seen = bpf_map_lookup_elem(&flow_dedup, key);
	struct ew_flow_value first = {};

	if (seen) {
		__sync_fetch_and_add(&seen->repeats, 1);
		return true;
	}
	if (bpf_map_update_elem(&flow_dedup, key, &first, BPF_NOEXIST) == 0)
		return false;
	/* Another CPU inserted the key first: it reports, this one is a repeat. */
	seen = bpf_map_lookup_elem(&flow_dedup, key);
	if (seen) {
		__sync_fetch_and_add(&seen->repeats, 1);
		return true;
	}
	count_drop(EW_DROP_DEDUP_FULL);
	return false;
}

static __always_inline int record(struct bpf_sock_addr *ctx, __u16 family, __u32 kind)
{
	struct ew_flow_key key = {};
	struct destination dst = {};

	read_destination(ctx, family, &dst);
	__builtin_memcpy(key.addr, dst.addr, sizeof(key.addr));
	key.tgid = bpf_get_current_pid_tgid() >> 32;
	key.port = dst.port;
	key.family = dst.family;
	key.protocol = dst.protocol;
	key.kind = kind;
	/* A socket's first cookie lookup bumps a global atomic counter: connects are keyed
	 * without it and fetch it only when they are reported. */
	if (kind == EW_EVENT_SEND)
		key.cookie = bpf_get_socket_cookie(ctx);

	if ((kind == EW_EVENT_SEND || dedup_connects) && counted_as_repeat(&key))
		return SOCK_ADDR_ALLOW;
	emit_sock_event(ctx, kind, kind == EW_EVENT_SEND ? EW_DROP_RINGBUF_SEND : EW_DROP_RINGBUF_CONNECT, &dst,
			kind == EW_EVENT_SEND ? key.cookie : bpf_get_socket_cookie(ctx));
	return SOCK_ADDR_ALLOW;
}

SEC("cgroup/connect4")
int connect4_record(struct bpf_sock_addr *ctx)
{
	return record(ctx, EW_AF_INET, EW_EVENT_CONNECT);
}

SEC("cgroup/connect6")
int connect6_record(struct bpf_sock_addr *ctx)
{
	return record(ctx, EW_AF_INET6, EW_EVENT_CONNECT);
}

SEC("cgroup/sendmsg4")
int sendmsg4_record(struct bpf_sock_addr *ctx)
{
	return record(ctx, EW_AF_INET, EW_EVENT_SEND);
}

SEC("cgroup/sendmsg6")
int sendmsg6_record(struct bpf_sock_addr *ctx)
{
	return record(ctx, EW_AF_INET6, EW_EVENT_SEND);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec_record, struct task_struct *task, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	struct ew_exec_event *e;
	unsigned long arg_start, arg_end;
	__u64 args_len;

	if (!task_in_scope())
		return 0;
	e = reserve_event(sizeof(*e), EW_EVENT_EXEC, EW_DROP_RINGBUF_EXEC);
	if (!e)
		return 0;

	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), BPF_CORE_READ(bprm, filename));
	bpf_probe_read_kernel_str(e->interp, sizeof(e->interp), BPF_CORE_READ(bprm, interp));

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
	bpf_ringbuf_submit(e, 0);
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
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit_record, struct task_struct *task, bool group_dead)
{
	struct ew_exit_event *e;

	if (!group_dead || !task_in_scope())
		return 0;
	e = reserve_event(sizeof(*e), EW_EVENT_EXIT, EW_DROP_RINGBUF_EXIT);
	if (!e)
		return 0;
	e->exit_code = BPF_CORE_READ(task, exit_code);
	e->pad = 0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}
