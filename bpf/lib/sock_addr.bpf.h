/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The connect and sendmsg hooks (cgroup sock_addr programs): every connect() and every
 * unconnected datagram's destination, judged by --enforce, reported once per flow, and
 * the socket's owner recorded for payload capture. They are attached at the cgroup root
 * and check the acting task's cgroup (acting_task.bpf.h).
 */
#ifndef EGRESSWATCH_SOCK_ADDR_BPF_H
#define EGRESSWATCH_SOCK_ADDR_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "egresswatch/abi.h"
#include "acting_task.bpf.h"
#include "destination.bpf.h"
#include "enforce.bpf.h" /* judge */
#include "flow_dedup.bpf.h"
#include "owners.bpf.h" /* own_socket */

/* Report every connect() instead of the first per (process, destination, protocol). */
const volatile bool dedup_connects = true;
/* Copy the first bytes of flows (DNS, TLS ClientHello, HTTP heads) to userspace. Here it
 * decides whether sockets get an owner, without which capture.bpf.h copies nothing. */
const volatile bool capture_payload = true;

/* sock_addr programs: returning 1 lets the operation proceed, 0 fails it with EPERM. */
#define SOCK_ADDR_ALLOW	 1
#define SOCK_ADDR_REFUSE 0

static __always_inline void read_destination(struct bpf_sock_addr *ctx, __u16 family, struct destination *dst)
{
	/* user_ip4/user_ip6 are in network byte order: copying the words keeps the bytes
	 * in wire order, which is what userspace expects. The context only allows
	 * 4-byte loads of these fields. */
	if (family == EW_AF_INET) {
		__u32 ip4 = ctx->user_ip4;

		__builtin_memcpy(dst->addr, &ip4, 4);
	} else {
		__u32 w0 = ctx->user_ip6[0], w1 = ctx->user_ip6[1];
		__u32 w2 = ctx->user_ip6[2], w3 = ctx->user_ip6[3];

		__builtin_memcpy(dst->addr, &w0, 4);
		__builtin_memcpy(dst->addr + 4, &w1, 4);
		__builtin_memcpy(dst->addr + 8, &w2, 4);
		__builtin_memcpy(dst->addr + 12, &w3, 4);
	}
	dst->port = bpf_ntohs((__u16)ctx->user_port);
	dst->family = family;
	dst->protocol = (__u8)ctx->protocol;
}

static __always_inline bool is_icmp(__u8 protocol)
{
	return protocol == EW_IPPROTO_ICMP || protocol == EW_IPPROTO_ICMPV6;
}

static __always_inline int record(struct bpf_sock_addr *ctx, __u16 family, __u32 kind)
{
	struct ew_flow_key key = {};
	struct destination dst = {};
	__u32 ringbuf_drop = kind == EW_EVENT_SEND ? EW_DROP_RINGBUF_SEND : EW_DROP_RINGBUF_CONNECT;
	__u8 verdict;
	/* Fetched once for the report, the datagram key and a connect's owner slot (only a
	 * repeated connect without payload capture needs none of them). */
	__u64 cookie;

	if (!acting_task_in_scope())
		return SOCK_ADDR_ALLOW;
	read_destination(ctx, family, &dst);
	/* A ping socket's connect: its echo requests are judged as they leave (icmp_echo_passes),
	 * connected or not, the same on every kernel. */
	if (is_icmp(dst.protocol))
		return SOCK_ADDR_ALLOW;
	cookie = bpf_get_socket_cookie(ctx);
	verdict = judge(&dst, kind, ringbuf_drop, cookie, false);
	if (verdict != EW_VERDICT_ALLOWED)
		return verdict == EW_VERDICT_BLOCKED ? SOCK_ADDR_REFUSE : SOCK_ADDR_ALLOW;

	flow_key_of(&key, &dst, kind, false);
	if (kind == EW_EVENT_SEND) {
		/* Datagrams are counted per socket; connects across sockets, so without it. */
		key.cookie = cookie;
		/* A repeat is on a socket this process already sent from, so already owned. */
		if (counted_as_repeat(&key))
			return SOCK_ADDR_ALLOW;
		if (capture_payload)
			own_socket(ctx, cookie, false);
	} else {
		/* Every connect is a new socket to own, repeat or not. */
		if (capture_payload)
			own_socket(ctx, cookie, true);
		if (dedup_connects && counted_as_repeat(&key))
			return SOCK_ADDR_ALLOW;
	}
	if (emit_sock_event(kind, ringbuf_drop, &dst, cookie, verdict, false))
		return SOCK_ADDR_ALLOW;
	return unrecorded_flow_may_pass(&key) ? SOCK_ADDR_ALLOW : SOCK_ADDR_REFUSE;
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

#endif
