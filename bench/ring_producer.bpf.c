// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Synthetic connect events for the pipeline benchmark, written into a ring buffer exactly
 * as the real programs write them. Run with BPF_PROG_TEST_RUN; each run emits `count`
 * records with a spread of pids and destinations.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "egresswatch/abi.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
} events SEC(".maps");

const volatile __u32 distinct_pids = 10000;
const volatile __u32 distinct_destinations = 100000;
const volatile __u32 first_pid = 100000;

__u64 produced = 0;
__u64 dropped = 0;

struct produce_args {
	__u32 count;
};

static long emit_one(__u64 index, void *ctx)
{
	struct ew_sock_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	__u64 n = produced++;
	__u32 dest;

	if (!e) {
		dropped++;
		return 0;
	}
	dest = n % distinct_destinations;
	e->hdr.ts_ns = bpf_ktime_get_ns();
	e->hdr.cgroup_id = 1;
	e->hdr.type = EW_EVENT_CONNECT;
	e->hdr.tgid = first_pid + n % distinct_pids;
	e->hdr.tid = e->hdr.tgid;
	e->hdr.uid = 0;
	__builtin_memcpy(e->hdr.comm, "bench-client\0\0\0", EW_COMM_LEN);
	e->cookie = n;
	__builtin_memset(e->addr, 0, sizeof(e->addr));
	e->addr[0] = 11; /* 11.x.y.z: public, so every scope branch is exercised */
	e->addr[1] = dest >> 16;
	e->addr[2] = dest >> 8;
	e->addr[3] = dest;
	e->port = 443;
	e->family = EW_AF_INET;
	e->protocol = EW_IPPROTO_TCP;
	e->verdict = EW_VERDICT_ALLOWED;
	e->pad[0] = e->pad[1] = 0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("syscall")
int produce(struct produce_args *args)
{
	bpf_loop(args->count, emit_one, NULL, 0);
	return 0;
}
