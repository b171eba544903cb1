/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Whose connect it is: the acting task's cgroup, not the socket's.
 *
 * A cgroup's sock_addr programs run for the sockets created in it. A socket created
 * outside a run and passed in (SCM_RIGHTS, pidfd_getfd) would never meet programs attached
 * to the run's cgroup, so when a run or `watch --cgroup` is scoped the connect and sendmsg
 * programs are attached at the cgroup root and decide here, by the task that acts, whether
 * the operation is in scope. Cost for a task out of scope: one helper call once the
 * scope's level is known (learned at the first in-scope exec), a walk up its cgroup's
 * ancestors before that; bench/scope_cost.sh measures both.
 */
#ifndef EGRESSWATCH_ACTING_TASK_BPF_H
#define EGRESSWATCH_ACTING_TASK_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "followed_cgroups.bpf.h"

/* The scoped cgroup's id (its inode number); 0: every task is in scope. */
const volatile __u64 scope_cgroup_id = 0;

/* Its level in the cgroup hierarchy, learned from the first task found under it: the
 * loader cannot know it when egresswatch runs in a cgroup namespace. 0: not yet known (the
 * root, level 0, is never a scope). */
__u32 scope_cgroup_level = 0;

#define EW_MAX_CGROUP_LEVEL 64

static long find_scope_level(__u64 level, void *ctx)
{
	__u64 id = bpf_get_current_ancestor_cgroup_id((int)level);

	if (id == 0)
		return 1; /* deeper than the task's own cgroup */
	if (id == scope_cgroup_id) {
		*(__u32 *)ctx = (__u32)level;
		return 1;
	}
	return 0;
}

/* From a tracing program, for a task known to be in scope (the run's command at its exec):
 * the scope's level, read from the task's cgroup and its parents, so that out-of-scope
 * connects cost one helper call from the start rather than only after the first in-scope
 * connect. */
static __always_inline void learn_scope_level(struct task_struct *task)
{
	struct cgroup *cgrp;

	if (!scope_cgroup_id || scope_cgroup_level)
		return;
	cgrp = BPF_CORE_READ(task, cgroups, dfl_cgrp);
	for (int i = 0; i < 16 && cgrp; i++) {
		if (BPF_CORE_READ(cgrp, kn, id) == scope_cgroup_id) {
			scope_cgroup_level = BPF_CORE_READ(cgrp, level);
			return;
		}
		/* A cgroup's css is its first member: the parent css is the parent cgroup. */
		cgrp = (struct cgroup *)BPF_CORE_READ(cgrp, self.parent);
	}
}

static __always_inline bool acting_task_under_scope(void)
{
	__u32 level = scope_cgroup_level, found = 0;

	if (level)
		return bpf_get_current_ancestor_cgroup_id((int)level) == scope_cgroup_id;
	bpf_loop(EW_MAX_CGROUP_LEVEL, find_scope_level, &found, 0);
	if (!found)
		return false;
	scope_cgroup_level = found;
	return true;
}

static __always_inline bool acting_task_in_scope(void)
{
	if (!scope_cgroup_id)
		return true;
	return acting_task_under_scope() || cgroup_followed(bpf_get_current_cgroup_id());
}

/* In a cgroup_skb program attached at the root for a run that follows containers: whether the
 * packet's socket was made in scope. The run's command has exec'd before any of its packets,
 * so the scope's level is known by then (learn_scope_level). */
static __always_inline bool packet_in_scope(struct __sk_buff *skb)
{
	__u32 level = scope_cgroup_level;

	if (!scope_cgroup_id)
		return true;
	if (level && bpf_skb_ancestor_cgroup_id(skb, (int)level) == scope_cgroup_id)
		return true;
	return cgroup_followed(bpf_skb_cgroup_id(skb));
}

#endif
