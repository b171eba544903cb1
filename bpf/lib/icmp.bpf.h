/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ICMP and ICMPv6 echo requests leaving through the egress cgroup_skb program, judged and
 * reported as destinations (capture.bpf.h runs the check). */
#ifndef EGRESSWATCH_ICMP_BPF_H
#define EGRESSWATCH_ICMP_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "egresswatch/abi.h"
#include "destination.bpf.h" /* struct destination, emit_sock_event */
#include "enforce.bpf.h"     /* judge */
#include "flow_dedup.bpf.h"
#include "packet.bpf.h" /* EW_HEADER_AT */

#define EW_ICMP_ECHO_REQUEST   8
#define EW_ICMPV6_ECHO_REQUEST 128

/* The request's destination, port 0; false for any other packet. */
static __always_inline bool read_icmp_echo(struct __sk_buff *skb, struct destination *dst)
{
	__u8 type;

	if (skb->protocol == bpf_htons(EW_ETH_P_IP)) {
		struct iphdr copy, *ip = EW_HEADER_AT(skb, 0, copy);

		if (!ip || ip->protocol != EW_IPPROTO_ICMP || (ip->frag_off & bpf_htons(EW_IP_OFFSET_MASK)))
			return false;
		if (bpf_skb_load_bytes(skb, (ip->ihl * 4) & 0x3c, &type, 1) || type != EW_ICMP_ECHO_REQUEST)
			return false;
		__builtin_memcpy(dst->addr, &ip->daddr, 4);
		dst->family = EW_AF_INET;
		dst->protocol = EW_IPPROTO_ICMP;
	} else if (skb->protocol == bpf_htons(EW_ETH_P_IPV6)) {
		struct ipv6hdr copy, *ip6 = EW_HEADER_AT(skb, 0, copy);

		/* Extension headers before the ICMPv6 header are not followed, as for payload. */
		if (!ip6 || ip6->nexthdr != EW_IPPROTO_ICMPV6)
			return false;
		if (bpf_skb_load_bytes(skb, sizeof(*ip6), &type, 1) || type != EW_ICMPV6_ECHO_REQUEST)
			return false;
		__builtin_memcpy(dst->addr, &ip6->daddr, 16);
		dst->family = EW_AF_INET6;
		dst->protocol = EW_IPPROTO_ICMPV6;
	} else {
		return false;
	}
	dst->port = 0;
	return true;
}

/*
 * An ICMP echo request from a ping socket (no privilege needed where ping_group_range is
 * open, systemd's default) or a raw one is egress like a datagram, counted per socket.
 * No sock_addr hook sees an unconnected ping socket's sendto, so the egress packet program
 * judges the request as it leaves; dropping it fails the send with EPERM. It runs in the
 * sending task, so the event names the process (read from its BTF: lib/emit.bpf.h). Only echo requests: other ICMP types
 * answer or report on traffic that was already judged.
 */
static __always_inline bool icmp_echo_passes(struct __sk_buff *skb)
{
	struct ew_flow_key key = {};
	struct destination dst = {};
	__u8 verdict;
	__u64 cookie;

	if (!read_icmp_echo(skb, &dst))
		return true;
	cookie = bpf_get_socket_cookie(skb);
	verdict = judge(&dst, EW_EVENT_SEND, EW_DROP_RINGBUF_SEND, cookie, true);
	if (verdict != EW_VERDICT_ALLOWED)
		return verdict != EW_VERDICT_BLOCKED;
	flow_key_of(&key, &dst, EW_EVENT_SEND, true);
	key.cookie = cookie;
	if (counted_as_repeat(&key))
		return true;
	if (emit_sock_event(EW_EVENT_SEND, EW_DROP_RINGBUF_SEND, &dst, cookie, verdict, true))
		return true;
	return unrecorded_flow_may_pass(&key);
}

#endif
