/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Cgroup names: every cgroup made on the v2 hierarchy, with its path, the moment it appears.
 * Records carry a cgroup id taken at event time; userspace names it from these events, in
 * ring-buffer order, so a cgroup made during the session (a container's) is named even if it
 * is gone before userspace looks, and without rescanning the cgroup tree. Global, not scoped:
 * a container's cgroup is made by its runtime, which may run outside the observed scope, and
 * mkdir is rare (one event per cgroup). A run that follows containers decides here whether
 * the new cgroup joins its scope (followed_cgroups.bpf.h), before any task can enter it.
 */
#ifndef EGRESSWATCH_CGROUP_NAMES_BPF_H
#define EGRESSWATCH_CGROUP_NAMES_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "egresswatch/abi.h"
#include "emit.bpf.h"
#include "followed_cgroups.bpf.h"
#include "task_scope.bpf.h"

/* The v2 (default) hierarchy is the first one set up: hierarchy id 0. The tracepoint also
 * fires for cgroup v1 hierarchies, whose ids mean nothing to the records. */
#define EW_CGROUP_DFL_HIERARCHY 0

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(cgroup_mkdir_record, struct cgroup *cgrp, const char *path)
{
	struct ew_cgroup_event *e;
	struct cgroup_subsys_state *parent;
	__u64 cgroup_id, parent_id;
	bool followed;
	long copied;

	if (BPF_CORE_READ(cgrp, root, hierarchy_id) != EW_CGROUP_DFL_HIERARCHY)
		return 0;
	cgroup_id = BPF_CORE_READ(cgrp, kn, id);
	/* The parent's css is its cgroup's `self`; css->cgroup leads back to the cgroup. */
	parent = BPF_CORE_READ(cgrp, self.parent);
	parent_id = parent ? BPF_CORE_READ(parent, cgroup, kn, id) : 0;
	/* Before the record, which a full ring buffer may refuse: following must not depend on it. */
	followed = follow_new_cgroup(cgroup_id, parent_id, filter_by_cgroup && task_in_scope());
	e = reserve_event(sizeof(*e), EW_EVENT_CGROUP_MKDIR, EW_DROP_RINGBUF_CGROUP);
	if (!e)
		return 0;
	e->cgroup_id = cgroup_id;
	e->parent_id = parent_id;
	e->followed = followed;
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	copied = bpf_probe_read_kernel_str(e->path, sizeof(e->path), path);
	e->path_truncated = copied < 0 || copied >= (long)sizeof(e->path);
	if (copied < 0)
		e->path[0] = '\0';
	submit_event(e, sizeof(*e));
	return 0;
}

/* A followed cgroup removed leaves the table, or a run whose command makes and removes many
 * (a CI job's containers) would fill it and stop following. */
SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(cgroup_rmdir_unfollow, struct cgroup *cgrp, const char *path)
{
	__u64 cgroup_id;

	if (!follow_cgroups || !followed_cgroup_count)
		return 0;
	if (BPF_CORE_READ(cgrp, root, hierarchy_id) != EW_CGROUP_DFL_HIERARCHY)
		return 0;
	cgroup_id = BPF_CORE_READ(cgrp, kn, id);
	if (bpf_map_delete_elem(&followed_cgroups, &cgroup_id) == 0)
		__sync_fetch_and_sub(&followed_cgroup_count, 1);
	return 0;
}

#endif
