/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Reading a destination out of a cgroup sock_addr context (connect/sendmsg hooks). */
#ifndef EGRESSWATCH_SOCK_ADDR_BPF_H
#define EGRESSWATCH_SOCK_ADDR_BPF_H

struct destination {
	__u8 addr[16];
	__u16 port;
	__u16 family;
	__u8 protocol;
};

static __always_inline void read_destination(struct bpf_sock_addr *ctx, __u16 family,
					     struct destination *dst)
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

/* False if the ring buffer had no room (the drop is counted). */
static __always_inline bool emit_sock_event(__u32 type, __u32 drop_reason, const struct destination *dst,
					    __u64 cookie, __u8 verdict, bool packet_program)
{
	struct ew_sock_event *e = reserve_event_as(sizeof(*e), type, drop_reason, packet_program);

	if (!e)
		return false;
	e->cookie = cookie;
	__builtin_memcpy(e->addr, dst->addr, sizeof(e->addr));
	e->port = dst->port;
	e->family = dst->family;
	e->protocol = dst->protocol;
	e->verdict = verdict;
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	submit_event(e, sizeof(*e));
	return true;
}

#endif
