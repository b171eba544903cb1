/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reading a packet in a cgroup_skb program: its remote end and where its payload starts.
 * Used by payload capture (capture.bpf.h), --enforce's DNS learning (enforce.bpf.h) and
 * the ICMP echo check (icmp.bpf.h).
 */
#ifndef EGRESSWATCH_PACKET_BPF_H
#define EGRESSWATCH_PACKET_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "egresswatch/abi.h"

/* No ETH_P_* or IPPROTO_* macros in vmlinux.h. */
#define EW_ETH_P_IP	  0x0800
#define EW_ETH_P_IPV6	  0x86DD
#define EW_IP_OFFSET_MASK 0x1fff
#define EW_DNS_PORT	  53

/* Where a packet goes (or comes from) and where its payload starts. */
struct packet_view {
	__u8 addr[16];
	__u32 payload_offset;
	__u32 payload_length;
	__u32 tcp_seq;
	__u16 port;
	__u16 family;
	__u8 protocol;
};

/* A header read in place when it lies in the skb's linear data, as it nearly always
 * does, else copied to `copy`: most packets of a flow carry no payload, and reading
 * their headers should not cost helper calls. NULL if the packet is too short. */
#define EW_HEADER_AT(skb, offset, copy)                                                                      \
	({                                                                                                   \
		void *__data = (void *)(long)(skb)->data;                                                    \
		void *__end = (void *)(long)(skb)->data_end;                                                 \
		typeof(copy) *__h = __data + (offset);                                                       \
		if ((void *)(__h + 1) > __end)                                                               \
			__h = bpf_skb_load_bytes((skb), (offset), &(copy), sizeof(copy)) ? NULL : &(copy);   \
		__h;                                                                                         \
	})

/* cgroup_skb data starts at the network header. Only the remote end is kept: on egress
 * the destination, on ingress the source. */
static __always_inline bool read_packet(struct __sk_buff *skb, bool egress, struct packet_view *v)
{
	__u32 offset;
	__u8 protocol;

	if (skb->protocol == bpf_htons(EW_ETH_P_IP)) {
		struct iphdr copy, *ip = EW_HEADER_AT(skb, 0, copy);

		if (!ip)
			return false;
		/* Later fragments have no transport header. */
		if (ip->frag_off & bpf_htons(EW_IP_OFFSET_MASK))
			return false;
		offset = ip->ihl * 4;
		__builtin_memcpy(v->addr, egress ? &ip->daddr : &ip->saddr, 4);
		protocol = ip->protocol;
		v->family = EW_AF_INET;
	} else if (skb->protocol == bpf_htons(EW_ETH_P_IPV6)) {
		struct ipv6hdr copy, *ip6 = EW_HEADER_AT(skb, 0, copy);

		if (!ip6)
			return false;
		offset = sizeof(*ip6);
		/* Extension headers are rare on client flows: such packets are not inspected. */
		__builtin_memcpy(v->addr, egress ? &ip6->daddr : &ip6->saddr, 16);
		protocol = ip6->nexthdr;
		v->family = EW_AF_INET6;
	} else {
		return false;
	}

	if (protocol == EW_IPPROTO_TCP) {
		struct tcphdr copy, *tcp;

		/* Bounded for the verifier: IPv4 options make the offset variable. */
		offset &= 0xff;
		tcp = EW_HEADER_AT(skb, offset, copy);
		if (!tcp)
			return false;
		offset += tcp->doff * 4;
		/* Most packets of a TCP flow (SYN, ACK, FIN) end with their headers. */
		if (skb->len <= offset)
			return false;
		v->port = bpf_ntohs(egress ? tcp->dest : tcp->source);
		v->tcp_seq = bpf_ntohl(tcp->seq);
	} else if (protocol == EW_IPPROTO_UDP) {
		struct udphdr copy, *udp;

		offset &= 0xff;
		udp = EW_HEADER_AT(skb, offset, copy);
		if (!udp)
			return false;
		v->port = bpf_ntohs(egress ? udp->dest : udp->source);
		offset += sizeof(*udp);
	} else {
		return false;
	}
	if (skb->len <= offset)
		return false;
	v->protocol = protocol;
	v->payload_offset = offset;
	v->payload_length = skb->len - offset;
	return true;
}

#endif
