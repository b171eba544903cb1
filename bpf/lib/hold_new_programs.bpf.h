/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Holding a new program at its exec until userspace has examined it (run only). A Go
 * program's TLS is in its own executable, so its probes can only be placed once it runs; a
 * script's Go client that starts, connects and makes its requests within the few milliseconds
 * that examining takes was otherwise missed (1 run in 20 read on loopback, docs/https.md). The
 * exec program stops the process (SIGSTOP, delivered before its first instruction) when its
 * file is not in programs_examined; userspace examines the file, attaches what it needs,
 * inserts the key and sends SIGCONT. Each file is held once.
 *
 * Never held: a task being traced, and a task its parent put in a process group of its own (a
 * job-control shell's job, whose shell would see the stop). The stop is sent only after the
 * exec event is reserved: an event lost to a full ring would leave the process stopped.
 */
#ifndef EGRESSWATCH_HOLD_NEW_PROGRAMS_BPF_H
#define EGRESSWATCH_HOLD_NEW_PROGRAMS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "egresswatch/abi.h"

#define EW_SIGSTOP 19

const volatile bool hold_new_programs = false;
/* egresswatch's PID namespace (the stat of its /proc/self/ns/pid): held processes are named as
 * it sees them, and one it cannot see (in no descendant namespace) is never held. */
const volatile __u64 hold_pidns_dev = 0;
const volatile __u64 hold_pidns_ino = 0;

struct program_key {
	__u64 ino;
	__u32 dev;
	__u32 pad;
};

/* Files userspace has examined. LRU: a file evicted is held once more, nothing worse. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct program_key);
	__type(value, __u8);
} programs_examined SEC(".maps");

static __always_inline bool in_own_process_group(struct task_struct *task)
{
	struct pid *own = BPF_CORE_READ(task, signal, pids[PIDTYPE_PGID]);
	struct pid *parents = BPF_CORE_READ(task, real_parent, signal, pids[PIDTYPE_PGID]);

	return own != parents;
}

/* Fills the event's file key, and stops the process if its file is new. */
static __always_inline void hold_if_new_program(struct task_struct *task, struct linux_binprm *bprm,
						struct ew_exec_event *e)
{
	struct program_key key = {};
	struct bpf_pidns_info seen = {};
	struct inode *inode = BPF_CORE_READ(bprm, file, f_inode);

	key.ino = BPF_CORE_READ(inode, i_ino);
	key.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	e->exe_ino = key.ino;
	e->exe_dev = key.dev;
	e->held = 0;
	e->held_pid = 0;
	if (!hold_new_programs || bpf_map_lookup_elem(&programs_examined, &key))
		return;
	if (BPF_CORE_READ(task, ptrace) || in_own_process_group(task))
		return;
	if (bpf_get_ns_current_pid_tgid(hold_pidns_dev, hold_pidns_ino, &seen, sizeof(seen)))
		return;
	e->held_pid = seen.tgid;
	e->held = bpf_send_signal(EW_SIGSTOP) == 0;
}

#endif
