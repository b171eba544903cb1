/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Payload inspection in cgroup_skb: which packets of a flow carry what userspace needs
 * (a DNS message, a TLS ClientHello, an HTTP request or response head), and copying
 * their first bytes. A flow that has yielded what it can costs one sk_storage lookup per
 * packet afterwards.
 */
#ifndef EGRESSWATCH_PAYLOAD_BPF_H
#define EGRESSWATCH_PAYLOAD_BPF_H

/* No ETH_P_* or IPPROTO_* macros in vmlinux.h. */
#define EW_ETH_P_IP 0x0800
#define EW_ETH_P_IPV6 0x86DD
#define EW_IP_OFFSET_MASK 0x1fff
#define EW_DNS_PORT 53
#define EW_TLS_RECORD_HEADER 5

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
#define EW_HEADER_AT(skb, offset, copy)                                                      \
	({                                                                                   \
		void *__data = (void *)(long)(skb)->data;                                    \
		void *__end = (void *)(long)(skb)->data_end;                                 \
		typeof(copy) *__h = __data + (offset);                                       \
		if ((void *)(__h + 1) > __end)                                               \
			__h = bpf_skb_load_bytes((skb), (offset), &(copy), sizeof(copy)) ? NULL \
										: &(copy);   \
		__h;                                                                         \
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

/* How much of a payload's start inspection looks at: a TLS record header and the handshake
 * header after it (9 bytes), in a power-of-two size that lets the verifier bound a load. */
#define EW_PAYLOAD_HEAD 16

/* The payload's first EW_PAYLOAD_HEAD bytes into head, which stays zero past a shorter
 * payload. Read in place when they lie in the linear data, as request and response heads
 * do, so the common case makes no helper call. */
static __always_inline bool read_payload_head(struct __sk_buff *skb, const struct packet_view *v,
					      __u8 head[EW_PAYLOAD_HEAD])
{
	void *data_end = (void *)(long)skb->data_end;
	/* read_packet's offset is at most two headers (255 + 60 bytes); the mask shows the
	 * verifier a bound. */
	__u8 *in_place = (void *)(long)skb->data + (v->payload_offset & 0x1ff);
	__u32 length;

	if ((void *)(in_place + EW_PAYLOAD_HEAD) <= data_end) {
		__builtin_memcpy(head, in_place, EW_PAYLOAD_HEAD);
		return true;
	}
	length = v->payload_length < EW_PAYLOAD_HEAD ? v->payload_length : EW_PAYLOAD_HEAD;
	if (length == 0)
		return false;
	length = ((length - 1) & (EW_PAYLOAD_HEAD - 1)) + 1;
	return bpf_skb_load_bytes(skb, v->payload_offset, head, length) == 0;
}

/* Four bytes as they appear on the wire, compared as one load. */
#define EW_WIRE32(a, b, c, d) ((__u32)(a) | (__u32)(b) << 8 | (__u32)(c) << 16 | (__u32)(d) << 24)

static __always_inline bool starts_http_request(__u32 first4)
{
	switch (first4) {
	case EW_WIRE32('G', 'E', 'T', ' '):
	case EW_WIRE32('P', 'O', 'S', 'T'):
	case EW_WIRE32('H', 'E', 'A', 'D'):
	case EW_WIRE32('P', 'U', 'T', ' '):
	case EW_WIRE32('D', 'E', 'L', 'E'):
	case EW_WIRE32('O', 'P', 'T', 'I'):
	case EW_WIRE32('P', 'A', 'T', 'C'):
	case EW_WIRE32('C', 'O', 'N', 'N'):
	case EW_WIRE32('T', 'R', 'A', 'C'):
		return true;
	default:
		return false;
	}
}

static __always_inline bool starts_http_response(__u32 first4)
{
	return first4 == EW_WIRE32('H', 'T', 'T', 'P');
}

/* A TLS handshake record: content type 22, legacy version 3.x. */
static __always_inline bool starts_tls_handshake(const __u8 *head)
{
	return head[0] == 0x16 && head[1] == 0x03 && head[2] <= 0x04;
}

#endif
