/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* An ICMP or ICMPv6 echo request leaving through a cgroup_skb program, as a destination. */
#ifndef EGRESSWATCH_ICMP_BPF_H
#define EGRESSWATCH_ICMP_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "egresswatch/abi.h"
#include "payload.bpf.h"    /* EW_HEADER_AT */
#include "sock_addr.bpf.h"  /* struct destination */

#define EW_ICMP_ECHO_REQUEST 8
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

#endif
