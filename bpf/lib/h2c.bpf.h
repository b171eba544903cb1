/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * h2c: cleartext HTTP/2 with prior knowledge (gRPC inside clusters), read from packets. A
 * flow whose first egress payload is the HTTP/2 preface is walked frame by frame as TLS
 * plaintext is (tls_h2.bpf.h), from the packet instead of a library's buffer: header blocks
 * copied, DATA skipped.
 *
 * Packets are not calls: a segment may be sent twice (a retransmit, which may also carry
 * new bytes), may arrive out of order, and two CPUs may carry one flow's packets at once.
 * Each direction keeps the sequence number of the next byte it expects, and is walked by
 * one CPU at a time, in sequence order (h2c_take_turn): bytes already walked are skipped,
 * and a segment that starts beyond a hole that does not fill within a short wait leaves
 * the direction untracked, counted as lost (EW_DROP_H2C_UNTRACKED), since frames cannot
 * be found again in a stream once their place is lost. Only connections seen from their first byte are
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
	       head[10] == '/' && head[11] == '2' && head[12] == '.' && head[13] == '0' && head[14] == '\r' &&
	       head[15] == '\n';
}

struct h2c_direction {
	struct tls_h2_cursor cursor;
	__u32 next_seq; /* of the next byte the cursor expects */
	__u32 busy;	/* a CPU is walking this direction (taken with compare-and-swap) */
	__u8 started;	/* next_seq is set: the direction's first payload was seen */
	__u8 pad[7];
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

/* Turns waited for, at most: a packet waits while another CPU walks the same direction, or
 * while the bytes before its own are still being handed in by another CPU. Two CPUs do
 * carry one flow's packets at once: loopback and veth queue a packet on the sending CPU, and
 * a sender that moves between CPUs leaves packets of one flow on two queues. Unserialised,
 * a 64 MiB download over loopback lost its place in one run of three; a walk takes a few
 * microseconds, and this many turns are some tens of them. */
#define EW_H2C_WAIT_TURNS 4096

struct h2c_turn {
	struct h2c_direction *d;
	__u32 seq;
	__u32 taken;
};

static long h2c_take_turn(__u64 index, struct h2c_turn *t)
{
	struct h2c_direction *d = t->d;

	/* Bytes before this packet's are still to come. */
	if (d->started && (__s32)(t->seq - *(volatile __u32 *)&d->next_seq) > 0)
		return 0;
	if (__sync_val_compare_and_swap(&d->busy, 0, 1) != 0)
		return 0;
	t->taken = 1;
	return 1;
}

/* Walks this packet's new bytes of an h2c flow; `sk` is the packet's full socket. */
static __always_inline void inspect_h2c(struct __sk_buff *skb, struct bpf_sock *sk,
					const struct sock_owner *owner, const struct packet_view *v,
					__u8 direction)
{
	struct h2c_flow *flow = bpf_sk_storage_get(&h2c_flows, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	struct h2c_turn turn = {};
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
	turn.d = d;
	turn.seq = v->tcp_seq;
	bpf_loop(EW_H2C_WAIT_TURNS, h2c_take_turn, &turn, 0);
	if (!turn.taken) {
		/* A segment ahead of one that never came (lost, or reordered): the frames after the
		 * hole cannot be found. Or, far rarer, a walk that did not finish in time. */
		d->cursor.untracked = 1;
		count_drop(EW_DROP_H2C_UNTRACKED);
		return;
	}
	if (d->cursor.untracked)
		goto done;
	if (!d->started) {
		d->started = 1;
		d->next_seq = v->tcp_seq;
		if (direction == EW_DIR_EGRESS) {
			d->cursor.frame_left = EW_H2_PREFACE;
			d->cursor.copying = 1;
		}
	}
	/* Sequence numbers wrap: the signed difference says before or at (the turn was taken
	 * only once no byte before this packet's was missing). */
	ahead = (__s32)(v->tcp_seq - d->next_seq);
	if (ahead < 0) {
		skip = -ahead;
		if (skip >= v->payload_length)
			goto done; /* a retransmit of bytes already walked */
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
done:
	__sync_fetch_and_and(&d->busy, 0);
}

#endif
