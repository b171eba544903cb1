// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Minimal programs, one per hook type, that the feature prober loads and attaches one at
 * a time: a real load and attach is the only reliable answer to "does this kernel allow
 * it" (kernel configs, lockdown and LSMs all veto at different stages).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("kprobe/tcp_connect")
int BPF_KPROBE(kprobe_probe)
{
	return 0;
}

SEC("fentry/tcp_connect")
int BPF_PROG(fentry_probe, struct sock *sk)
{
	return 0;
}

SEC("lsm/socket_connect")
int BPF_PROG(lsm_probe, struct socket *sock, struct sockaddr *address, int addrlen, int ret)
{
	return ret;
}

SEC("tracepoint/syscalls/sys_enter_connect")
int tracepoint_probe(void *ctx)
{
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(tp_btf_probe)
{
	return 0;
}

SEC("cgroup_skb/egress")
int cgroup_skb_probe(struct __sk_buff *skb)
{
	return 1;
}

SEC("cgroup/connect4")
int cgroup_sock_addr_probe(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("cgroup/sock_release")
int cgroup_sock_release_probe(struct bpf_sock *ctx)
{
	return 1;
}

SEC("uprobe")
int BPF_KPROBE(uprobe_probe)
{
	return 0;
}

/* BPF atomic instructions beyond add (compare-and-exchange; Linux 5.12+): the socket hooks
 * claim socket owner slots with them. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} atomics_probe_value SEC(".maps");

SEC("cgroup/connect4")
int atomics_probe(struct bpf_sock_addr *ctx)
{
	__u32 key = 0;
	__u64 *value = bpf_map_lookup_elem(&atomics_probe_value, &key);

	if (value)
		__sync_val_compare_and_swap(value, 0, 1);
	return 1;
}
