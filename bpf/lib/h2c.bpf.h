/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * h2c: cleartext HTTP/2 with prior knowledge (gRPC inside clusters), read from packets. A
 * flow whose first egress payload is the HTTP/2 preface is walked frame by frame as TLS
 * plaintext is (tls_h2.bpf.h), from the packet instead of a library's buffer: header blocks
 * copied, DATA skipped.
 *
 * Packets are not calls: a segment may be sent twice (a retransmit, which may also carry
 * new bytes), and on ingress may arrive out of order. Each direction keeps the sequence
 * number of the next byte it expects: bytes already walked are skipped, and a segment that
 * starts beyond it (a hole: an earlier segment not yet arrived) leaves the direction
 * untracked, counted as lost (EW_DROP_H2C_UNTRACKED), since frames cannot be found again
 * in a stream once their place is lost. Only connections seen from their first byte are
 * walked: the preface is what marks them.
 */
#ifndef EGRESSWATCH_H2C_BPF_H
#define EGRESSWATCH_H2C_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "egresswatch/abi.h"
#include "emit.bpf.h"
#include "owners.bpf.h" /* struct sock_owner */
#include "packet.bpf.h" /* struct packet_view */
#include "tls_h2.bpf.h"

/* "PRI * HTTP/2.0\r\n": the first 16 of the preface's 24 bytes, all a payload head holds. */
static __always_inline bool starts_h2c_preface(const __u8 *head)
{
	return head[0] == 'P' && head[1] == 'R' && head[2] == 'I' && head[3] == ' ' && head[4] == '*' &&
	       head[5] == ' ' && head[6] == 'H' && head[7] == 'T' && head[8] == 'T' && head[9] == 'P' &&
	       head[10] == '/' && head[11] == '2' && head[12] == '.' && head[13] == '0' &&
	       head[14] == '\r' && head[15] == '\n';
}

struct h2c_direction {
	struct tls_h2_cursor cursor;
	__u32 next_seq; /* of the next byte the cursor expects */
	__u8 started;	/* next_seq is set: the direction's first payload was seen */
	__u8 pad[3];
};

struct h2c_flow {
	struct h2c_direction dir[2]; /* by enum ew_direction */
};

/* Made on an h2c flow's first packet, freed with the socket. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct h2c_flow);
} h2c_flows SEC(".maps");

/* Walks this packet's new bytes of an h2c flow; `sk` is the packet's full socket. */
static __always_inline void inspect_h2c(struct __sk_buff *skb, struct bpf_sock *sk, const struct sock_owner *owner,
					const struct packet_view *v, __u8 direction)
{
	struct h2c_flow *flow = bpf_sk_storage_get(&h2c_flows, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	struct h2c_direction *d;
	struct h2_walk w = {};
	__u32 skip = 0;
	__s32 ahead;

	if (!flow) {
		count_drop(EW_DROP_OWNER_STORAGE);
		return;
	}
	d = &flow->dir[direction & 1];
	if (d->cursor.untracked)
		return;
	if (!d->started) {
		d->started = 1;
		d->next_seq = v->tcp_seq;
		if (direction == EW_DIR_EGRESS) {
			d->cursor.frame_left = EW_H2_PREFACE;
			d->cursor.copying = 1;
		}
	}
	/* Sequence numbers wrap: the signed difference says before, at or after. */
	ahead = (__s32)(v->tcp_seq - d->next_seq);
	if (ahead > 0) {
		d->cursor.untracked = 1;
		count_drop(EW_DROP_H2C_UNTRACKED);
		return;
	}
	if (ahead < 0) {
		skip = -ahead;
		if (skip >= v->payload_length)
			return; /* a retransmit of bytes already walked */
	}
	w.hdr.cgroup_id = bpf_skb_cgroup_id(skb);
	w.hdr.type = EW_EVENT_TLS_DATA;
	w.hdr.tgid = owner->tgid;
	w.hdr.tid = owner->tid;
	w.hdr.uid = owner->uid;
	__builtin_memcpy(w.hdr.comm, owner->comm, sizeof(w.hdr.comm));
	w.origin.session = bpf_get_socket_cookie(skb);
	w.origin.cookie = w.origin.session;
	__builtin_memcpy(w.origin.addr, v->addr, sizeof(w.origin.addr));
	w.origin.port = v->port;
	w.origin.family = v->family;
	w.origin.direction = direction;
	w.origin.library = EW_TLS_LIB_NONE;
	w.origin.socket = EW_TLS_SOCKET_IN_CALL;
	w.origin.flow_kind = EW_FLOW_HTTP2;
	w.skb = skb;
	w.buf = v->payload_offset + skip;
	w.length = v->payload_length - skip;
	w.tgid = owner->tgid;
	w.untracked_reason = EW_DROP_H2C_UNTRACKED;
	walk_h2(&d->cursor, &w, H2_FROM_SKB);
	d->next_seq += w.length;
}

#endif
