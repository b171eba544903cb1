/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Where egress goes, as the connect and sendmsg hooks read it from their context
 * (sock_addr.bpf.h) and the egress packet program from an ICMP echo request (icmp.bpf.h),
 * and the event that reports it. */
#ifndef EGRESSWATCH_DESTINATION_BPF_H
#define EGRESSWATCH_DESTINATION_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "egresswatch/abi.h"
#include "emit.bpf.h"

struct destination {
	__u8 addr[16];
	__u16 port;
	__u16 family;
	__u8 protocol;
};

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
