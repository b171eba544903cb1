// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * egresswatch's hooks with nothing in them: each program returns at once. Attached where
 * `egresswatch watch` attaches its own, they measure what the kernel charges for running
 * a BPF program at those hooks at all (cgroup_skb and sock_addr dispatch, lock_sock
 * around the sendmsg hook, tracepoint trampolines, the uprobe trap), which no program
 * body can save. bench/overhead.sh reports it as the `empty-hooks` row. The ld.so probe is
 * a classic uprobe link (egresswatch uses uprobe_multi where it can): the trap is the same.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("cgroup/connect4")
int connect4_empty(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("cgroup/connect6")
int connect6_empty(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("cgroup/sendmsg4")
int sendmsg4_empty(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("cgroup/sendmsg6")
int sendmsg6_empty(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("cgroup/sock_release")
int sock_release_empty(struct bpf_sock *ctx)
{
	return 1;
}

SEC("cgroup_skb/egress")
int egress_empty(struct __sk_buff *skb)
{
	return 1;
}

SEC("cgroup_skb/ingress")
int ingress_empty(struct __sk_buff *skb)
{
	return 1;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec_empty)
{
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(sched_process_fork_empty)
{
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit_empty)
{
	return 0;
}

/* watch attaches two programs here: the process exit and the TLS thread exit. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(tls_thread_exit_empty)
{
	return 0;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(sock_send_length_empty)
{
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(sock_recv_length_empty)
{
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(uprobe_loader_empty)
{
	return 0;
}
