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

/* HTTP heads a process may still copy, over all its connections and TLS sessions: a
 * keep-alive client that reconnects every thousand requests must not get a fresh burst
 * each time. */
struct http_budget {
	__u64 refilled_ns; /* when tokens was last topped up */
	__u32 tokens;
	__u32 pad;
};

/* LRU: a process whose budget is evicted starts a fresh burst, except on sockets that
 * already learned the budget was empty (sock_owner.heads_refused_until_ns): they wait for
 * the next token as if it had not been evicted. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct http_budget);
} http_budgets SEC(".maps");

/* The entry for key, inserted as `initial` if there was none; NULL if the map is full. */
static __always_inline void *lookup_or_insert(void *map, const void *key, const void *initial)
{
	void *value = bpf_map_lookup_elem(map, key);

	if (value)
		return value;
	/* Another CPU may insert first: either way, look up what is there. */
	bpf_map_update_elem(map, key, initial, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

#endif
