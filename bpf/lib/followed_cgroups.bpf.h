/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `run` follows the containers its command starts. A container runtime puts the container in
 * a cgroup of its own, outside the run's (podman's runc makes /libpod_parent/libpod-<id>), so
 * scoping by the run's cgroup alone would lose the container's traffic. Instead a cgroup joins
 * the run's scope when it is made by a task in scope (runc still sits in the run's cgroup when
 * it makes the container's) or below a followed cgroup; userspace adds, with
 * `--follow-containers any`, each container cgroup it recognises as it is made (dockerd, which
 * makes docker's, runs outside the run).
 *
 * Membership is by a cgroup's own id, not its ancestors: every cgroup that joins is new and
 * empty, and those made below it join too. Cost for a task or packet out of scope: two global
 * reads while nothing is followed, one hash lookup after (bench/scope_cost.sh).
 */
#ifndef EGRESSWATCH_FOLLOWED_CGROUPS_BPF_H
#define EGRESSWATCH_FOLLOWED_CGROUPS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "egresswatch/abi.h"
#include "emit.bpf.h"

const volatile bool follow_cgroups = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EW_FOLLOWED_CGROUPS_MAX);
	__type(key, __u64);
	__type(value, __u8);
} followed_cgroups SEC(".maps");

/* Entries in followed_cgroups, so that a task out of scope skips the lookup until one is. */
__u32 followed_cgroup_count = 0;

static __always_inline bool cgroup_followed(__u64 cgroup_id)
{
	if (!follow_cgroups || !followed_cgroup_count)
		return false;
	return bpf_map_lookup_elem(&followed_cgroups, &cgroup_id) != NULL;
}

/* A cgroup just made: it joins the scope if its maker is in scope or its parent has joined.
 * A full table is counted: the cgroup's tasks then go unobserved, and the loss says so. */
static __always_inline bool follow_new_cgroup(__u64 cgroup_id, __u64 parent_id, bool made_in_scope)
{
	__u8 joined = 1;
	long err;

	if (!follow_cgroups || (!made_in_scope && !cgroup_followed(parent_id)))
		return false;
	err = bpf_map_update_elem(&followed_cgroups, &cgroup_id, &joined, BPF_NOEXIST);
	if (err == 0) {
		__sync_fetch_and_add(&followed_cgroup_count, 1);
		return true;
	}
	if (err == -17 /* EEXIST */)
		return true;
	count_drop(EW_DROP_FOLLOWED_CGROUPS_FULL);
	return false;
}

#endif
