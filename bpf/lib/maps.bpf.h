/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Maps shared by every egresswatch program. Sizes are defaults: the loader resizes them
 * from command-line flags before load. */
#ifndef EGRESSWATCH_MAPS_BPF_H
#define EGRESSWATCH_MAPS_BPF_H

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 * 1024 * 1024);
} events SEC(".maps");

/* Per-CPU so that counting a drop never contends; userspace sums the CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EW_DROP__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} drop_counters SEC(".maps");

/* LRU: an evicted destination is simply reported again, never lost. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct ew_flow_key);
	__type(value, struct ew_flow_value);
} flow_dedup SEC(".maps");

/* Slot 0 holds the cgroup that scopes process events when filter_by_cgroup is set. */
struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} scope_cgroup SEC(".maps");

#endif
