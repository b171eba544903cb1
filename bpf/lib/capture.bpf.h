/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Payload inspection in cgroup_skb: which packets of a flow carry what userspace needs
 * (a DNS message, a TLS ClientHello, an HTTP request or response head, h2c's header
 * blocks), and copying their first bytes. A flow that has yielded what it can costs one sk_storage lookup per
 * packet afterwards.
 *
 * The packet programs see only the cgroup they are attached to (the run's cgroup, a
 * watched cgroup or the root). A run that follows containers attaches them at the root, as
 * its containers' cgroups lie outside its own, and they skip packets of sockets made out of
 * scope first (packet_in_scope: one helper call per packet, bench/scope_cost.sh). Besides capture, the egress program judges ICMP echo
 * requests (icmp.bpf.h) and both read DNS answers for --enforce (enforce.bpf.h).
 */
#ifndef EGRESSWATCH_CAPTURE_BPF_H
#define EGRESSWATCH_CAPTURE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "egresswatch/abi.h"
#include "acting_task.bpf.h" /* packet_in_scope */
#include "emit.bpf.h"
#include "enforce.bpf.h" /* learn_from_dns */
#include "h2c.bpf.h"	 /* cleartext HTTP/2 */
#include "icmp.bpf.h"	 /* icmp_echo_passes */
#include "owners.bpf.h"
#include "packet.bpf.h"
#include "payload.bpf.h" /* limits, HTTP heads and their budget */

#define EW_TLS_RECORD_HEADER 5
/* A ServerHello with its extensions is about 130 bytes; its certificate, which may follow in
 * the same packet (TLS 1.2), is not wanted. */
#define EW_TLS_SERVER_HELLO_BYTES 512

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

/* A TLS handshake record: content type 22, legacy version 3.x. */
static __always_inline bool starts_tls_handshake(const __u8 *head)
{
	return head[0] == 0x16 && head[1] == 0x03 && head[2] <= 0x04;
}

/* Copies up to `limit` payload bytes of this packet to userspace; returns how many. */
static __always_inline __u32 emit_payload(struct __sk_buff *skb, const struct sock_owner *owner,
					  const struct packet_view *v, __u8 direction, __u8 flow_kind,
					  __u32 limit)
{
	struct ew_payload_event *e;
	__u32 n = v->payload_length;

	if (n > limit)
		n = limit;
	if (n > payload_packet_bytes)
		n = payload_packet_bytes;
	if (n == 0)
		return 0;
	/* Identity for 1..EW_PAYLOAD_MAX, in a form whose bounds the verifier can see. */
	n = ((n - 1) & (EW_PAYLOAD_MAX - 1)) + 1;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop(EW_DROP_RINGBUF_PAYLOAD);
		return 0;
	}
	if (bpf_skb_load_bytes(skb, v->payload_offset, e->data, n)) {
		bpf_ringbuf_discard(e, 0);
		return 0;
	}
	e->hdr.ts_ns = bpf_ktime_get_ns();
	e->hdr.cgroup_id = bpf_skb_cgroup_id(skb);
	e->hdr.type = EW_EVENT_PAYLOAD;
	e->hdr.tgid = owner->tgid;
	e->hdr.tid = owner->tid;
	e->hdr.uid = owner->uid;
	__builtin_memcpy(e->hdr.comm, owner->comm, sizeof(e->hdr.comm));
	e->cookie = bpf_get_socket_cookie(skb);
	__builtin_memcpy(e->addr, v->addr, sizeof(e->addr));
	e->tcp_seq = v->tcp_seq;
	e->length = v->payload_length;
	e->captured = n;
	e->port = v->port;
	e->family = v->family;
	e->protocol = v->protocol;
	e->direction = direction;
	e->flow_kind = flow_kind;
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	submit_event(e, sizeof(*e));
	return n;
}

/* take_http_token for a socket's packets. Once the budget is spent, a load test's heads
 * arrive far faster than tokens: the socket remembers when the next token is due, and
 * until then each head costs a clock read instead of the budget lookup. */
static __always_inline bool take_socket_http_token(struct sock_owner *owner)
{
	if (owner->heads_refused_until_ns && bpf_ktime_get_ns() < owner->heads_refused_until_ns) {
		count_drop(EW_DROP_HTTP_FLOW_BUDGET);
		return false;
	}
	return take_http_token(owner->tgid, &owner->heads_refused_until_ns);
}

/* Decides from a flow's first payload what it is; only egress decides, except that a
 * DNS answer may arrive before the query was seen. */
static __always_inline __u8 classify_flow(const struct packet_view *v, bool egress, const __u8 *head,
					  __u32 first4)
{
	if (v->port == EW_DNS_PORT)
		return EW_FLOW_DNS;
	if (!egress)
		return EW_FLOW_UNDECIDED;
	if (v->payload_length >= EW_TLS_RECORD_HEADER && starts_tls_handshake(head))
		return EW_FLOW_TLS;
	if (v->payload_length >= 4 && starts_http_request(first4))
		return EW_FLOW_HTTP;
	if (v->payload_length >= EW_PAYLOAD_HEAD && v->protocol == EW_IPPROTO_TCP && starts_h2c_preface(head))
		return EW_FLOW_HTTP2;
	return EW_FLOW_OTHER;
}

static __always_inline void inspect(struct __sk_buff *skb, bool egress)
{
	struct packet_view v = {};
	struct sock_owner *owner;
	struct bpf_sock *sk;
	__u8 head[EW_PAYLOAD_HEAD] = {};
	__u8 direction = egress ? EW_DIR_EGRESS : EW_DIR_INGRESS;
	__u32 first4, copied;

	sk = skb->sk;
	if (!sk)
		return;
	sk = bpf_sk_fullsock(sk);
	if (!sk)
		return;
	owner = bpf_sk_storage_get(&sock_owners, sk, 0, 0);
	/* A flow is classified by its first egress payload, so only an egress packet needs a
	 * pending owner; a server's accepted sockets, which have none, stop here on ingress. */
	if (owner ? owner->done : !egress)
		return;
	if (!read_packet(skb, egress, &v))
		return;
	/* Only packets with payload look for a pending owner: most packets of a short
	 * connection have none. */
	if (!owner) {
		owner = adopt_pending_owner(skb, sk);
		if (!owner)
			return;
	}
	if (!read_payload_head(skb, &v, head))
		return;
	__builtin_memcpy(&first4, head, sizeof(first4));

	if (owner->flow_kind == EW_FLOW_UNDECIDED) {
		owner->flow_kind = classify_flow(&v, egress, head, first4);
		if (owner->flow_kind == EW_FLOW_TLS) {
			/* A ClientHello split over several records is longer than its first record. */
			__u32 record = EW_TLS_RECORD_HEADER + ((__u32)head[3] << 8 | head[4]);
			__u32 hello = EW_TLS_RECORD_HEADER + 4 +
				      ((__u32)head[6] << 16 | (__u32)head[7] << 8 | head[8]);
			__u32 wanted = record > hello ? record : hello;

			owner->tls_wanted = wanted < payload_flow_bytes ? wanted : payload_flow_bytes;
		}
	}

	switch (owner->flow_kind) {
	case EW_FLOW_DNS:
		emit_payload(skb, owner, &v, direction, EW_FLOW_DNS, EW_PAYLOAD_MAX);
		break;
	case EW_FLOW_HTTP:
		/* Heads start packets; bodies in between are skipped with this one compare. */
		if (!(egress ? starts_http_request(first4) : starts_http_response(first4)))
			break;
		if (!take_socket_http_token(owner))
			break;
		emit_payload(skb, owner, &v, direction, EW_FLOW_HTTP, EW_PAYLOAD_MAX);
		break;
	case EW_FLOW_TLS:
		/* The server's first payload, its ServerHello, says which version and (up to TLS
		 * 1.2) which protocol it chose; then the flow is done. */
		if (!egress) {
			if (!owner->tls_hello_sent)
				break;
			emit_payload(skb, owner, &v, direction, EW_FLOW_TLS,
				     payload_flow_bytes < EW_TLS_SERVER_HELLO_BYTES
					     ? payload_flow_bytes
					     : EW_TLS_SERVER_HELLO_BYTES);
			owner->done = 1;
			break;
		}
		if (owner->tls_hello_sent)
			break;
		copied = emit_payload(skb, owner, &v, direction, EW_FLOW_TLS,
				      owner->tls_wanted > owner->tls_captured
					      ? owner->tls_wanted - owner->tls_captured
					      : 0);
		owner->tls_captured += copied;
		/* A lost copy ends inspection too: userspace sees the gap and says so. */
		if (copied == 0)
			owner->done = 1;
		else if (owner->tls_captured >= owner->tls_wanted)
			owner->tls_hello_sent = 1;
		break;
	case EW_FLOW_HTTP2:
		inspect_h2c(skb, sk, owner, &v, direction);
		break;
	case EW_FLOW_OTHER:
		emit_payload(skb, owner, &v, direction, EW_FLOW_OTHER, payload_flow_bytes);
		owner->done = 1;
		break;
	default:
		break;
	}
}

/* cgroup_skb programs: returning 1 lets the packet pass, 0 drops it (a local sender's
 * send fails with EPERM). */
#define SKB_PASS 1
#define SKB_DROP 0

/* Set by the loader when these programs are attached at the root for a scoped run. */
const volatile bool packets_scoped_at_root = false;

SEC("cgroup_skb/egress")
int egress_capture(struct __sk_buff *skb)
{
	if (packets_scoped_at_root && !packet_in_scope(skb))
		return SKB_PASS;
	if (!icmp_echo_passes(skb))
		return SKB_DROP;
	if (enforce)
		learn_from_dns(skb, true);
	inspect(skb, true);
	return SKB_PASS;
}

SEC("cgroup_skb/ingress")
int ingress_capture(struct __sk_buff *skb)
{
	if (packets_scoped_at_root && !packet_in_scope(skb))
		return SKB_PASS;
	if (enforce)
		learn_from_dns(skb, false);
	inspect(skb, false);
	return SKB_PASS;
}

#endif
