/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * HTTP/2 in TLS plaintext: which bytes of a session's calls are copied, and where they are
 * in the stream. HTTP/2 frames do not line up with library calls (a read returns whatever the
 * TLS record held: half a frame header, three frames), so each direction keeps a cursor: its
 * offset in the stream, and how much of the current frame is still to come. A call's bytes are
 * walked frame by frame:
 *  - every frame header is copied, with its payload when that is copied too and the header
 *    is whole in the call (nearly always), else as a piece of its own;
 *  - header blocks (HEADERS, CONTINUATION, PUSH_PROMISE) are copied whole: they are what
 *    the requests are made of; so are SETTINGS, RST_STREAM and GOAWAY;
 *  - the payload of the others (DATA above all) is skipped: userspace sees a gap whose length
 *    the frame's header gave.
 * Each piece carries its offset, so userspace can tell a skipped DATA payload from a lost
 * piece. Copying HEADERS and not DATA is what keeps the cost of a download to one small
 * event per DATA frame.
 */
#ifndef EGRESSWATCH_TLS_H2_BPF_H
#define EGRESSWATCH_TLS_H2_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "egresswatch/abi.h"
#include "emit.bpf.h"
#include "payload.bpf.h" /* take_http_token: header blocks share the HTTP head budget */

#define EW_H2_FRAME_HEADER 9
#define EW_H2_PREFACE	   24
#define EW_H2_DATA	   0
#define EW_H2_HEADERS	   1
#define EW_H2_RST_STREAM   3
#define EW_H2_SETTINGS	   4
#define EW_H2_PUSH_PROMISE 5
#define EW_H2_GOAWAY	   7
#define EW_H2_CONTINUATION 9
/* A frame whose payload is larger is not copied (SETTINGS_MAX_FRAME_SIZE defaults to 16 KiB,
 * and header blocks rarely come near it); userspace sees the gap and stops trusting that
 * direction's header compression. */
#define EW_H2_FRAME_COPY_MAX (16 * 1024)
/* Steps (a frame header, or one event's worth of a frame) one call is walked for. A call with
 * more (many small frames) leaves the direction untracked (EW_DROP_TLS_H2_UNTRACKED). */
#define EW_H2_WALK_STEPS 128

/* One direction of an HTTP/2 session. */
struct tls_h2_cursor {
	__u64 offset;	  /* bytes of this direction walked so far */
	__u32 frame_left; /* of the current frame (or preface), bytes still to come */
	__u8 header_have; /* bytes of a frame header split across calls, in header[] */
	__u8 copying;	  /* the current frame's payload is copied */
	__u8 untracked;	  /* the walk lost its place: nothing more is copied */
	__u8 pad;
	__u8 header[16]; /* 9 used; 16 so that a masked index stays inside */
};

/* What every ew_tls_data_event of one call says besides its bytes: the TLS plaintext of
 * HTTP/1 (tls.bpf.h) and the pieces of HTTP/2 both fill their events from it. */
struct tls_data_origin {
	__u64 session;
	__u64 cookie;
	__u8 addr[16];
	__u16 port;
	__u16 family;
	__u8 direction;
	__u8 library;
	__u8 socket;
	__u8 flow_kind;
	__u8 piece; /* EW_TLS_PIECE_JOINED or 0 */
	__u8 pad[7];
};

static __always_inline void put_tls_data_origin(struct ew_tls_data_event *e,
						const struct tls_data_origin *origin)
{
	e->session = origin->session;
	e->cookie = origin->cookie;
	__builtin_memcpy(e->addr, origin->addr, sizeof(e->addr));
	e->port = origin->port;
	e->family = origin->family;
	e->direction = origin->direction;
	e->library = origin->library;
	e->socket = origin->socket;
	e->flow_kind = origin->flow_kind;
	e->piece = origin->piece;
	e->pad = 0;
}

/* Where a walk's bytes are: a TLS call's buffer in user memory, or a packet (h2c.bpf.h). A
 * frame header that was split across calls is copied from the cursor. Each source is a
 * separate instantiation of the walk, as a uprobe may not call bpf_skb_load_bytes. */
enum h2_source {
	H2_FROM_USER,
	H2_FROM_SKB,
	H2_FROM_CURSOR,
};

struct h2_walk {
	struct ew_event_header hdr; /* every piece's but its time: filled once per walk */
	struct tls_data_origin origin;
	struct tls_h2_cursor cursor; /* a copy on the stack, written back after the walk */
	struct __sk_buff *skb;	     /* H2_FROM_SKB */
	__u64 buf;		     /* H2_FROM_USER: the address; H2_FROM_SKB: the offset in skb */
	__u32 length;
	__u32 pos;
	__u32 tgid;
	__u32 untracked_reason; /* the drop counted when the walk loses its place */
};

static __always_inline bool starts_h2_preface(__u32 first4)
{
	return first4 == EW_WIRE32('P', 'R', 'I', ' ');
}

/* A first write that is a HEADERS frame on a client stream (odd id) with END_HEADERS: a
 * session that was already talking HTTP/2 before it was first seen. */
static __always_inline bool looks_like_h2_headers(const void *buf, __u64 length)
{
	__u8 h[EW_H2_FRAME_HEADER];
	__u32 frame_length;

	if (length < EW_H2_FRAME_HEADER || bpf_probe_read_user(h, sizeof(h), buf))
		return false;
	frame_length = ((__u32)h[0] << 16) | ((__u32)h[1] << 8) | h[2];
	return h[3] == EW_H2_HEADERS && (h[4] & 0x4) && (h[8] & 1) &&
	       frame_length <= length - EW_H2_FRAME_HEADER;
}

/* n bytes at the walk's position pos, from where the walk's bytes are. */
static __always_inline long h2_load(const struct h2_walk *w, void *dst, __u32 n, __u32 pos,
				    enum h2_source from)
{
	if (from == H2_FROM_SKB)
		return bpf_skb_load_bytes(w->skb, w->buf + pos, dst, n);
	return bpf_probe_read_user(dst, n, (const void *)(w->buf + pos));
}

/* Copies n bytes at pos (or the cursor's whole frame header) as a piece at `offset` of the
 * direction's stream. */
static __always_inline void emit_h2_piece(struct h2_walk *w, __u32 pos, __u32 n, __u64 offset,
					  bool frame_start, enum h2_source from)
{
	struct ew_tls_data_event *e;

	if (n == 0)
		return;
	n = ((n - 1) & (EW_PAYLOAD_MAX - 1)) + 1;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop(EW_DROP_RINGBUF_TLS);
		return;
	}
	e->hdr = w->hdr;
	e->hdr.ts_ns = bpf_ktime_get_ns();
	e->length = n;
	/* An unreadable buffer (paged out) is a piece with nothing captured: a loss. */
	if (from == H2_FROM_CURSOR) {
		if (bpf_probe_read_kernel(e->data, EW_H2_FRAME_HEADER, w->cursor.header))
			n = 0;
	} else if (h2_load(w, e->data, n, pos, from)) {
		n = 0;
	}
	e->captured = n;
	e->offset = offset;
	put_tls_data_origin(e, &w->origin);
	if (frame_start)
		e->piece |= EW_TLS_PIECE_FRAME_START;
	submit_event(e, sizeof(*e));
}

/* Whether a frame's payload is copied: header blocks (which take a token of the process's
 * HTTP head budget, as HTTP/1 heads do), and the small frames that say something about
 * streams or header compression. DATA, WINDOW_UPDATE, PING and PRIORITY, the frames a
 * transfer is made of, cost their header only. */
static __always_inline bool copies_h2_frame(const struct h2_walk *w, __u8 type, __u32 frame_length)
{
	if (frame_length > EW_H2_FRAME_COPY_MAX)
		return false;
	switch (type) {
	case EW_H2_HEADERS:
	case EW_H2_CONTINUATION:
	case EW_H2_PUSH_PROMISE:
		return take_http_token(w->tgid, NULL);
	case EW_H2_RST_STREAM:
	case EW_H2_SETTINGS:
	case EW_H2_GOAWAY:
		return true;
	default:
		return false;
	}
}

static __always_inline long h2_walk_step(struct h2_walk *w, enum h2_source from)
{
	struct tls_h2_cursor *c = &w->cursor;
	__u32 left = w->length - w->pos;
	__u32 frame_length;

	if (w->pos >= w->length)
		return 1;
	if (c->frame_left) {
		__u32 n = c->frame_left < left ? c->frame_left : left;

		if (c->copying) {
			if (n > EW_PAYLOAD_MAX)
				n = EW_PAYLOAD_MAX;
			emit_h2_piece(w, w->pos, n, c->offset + w->pos, c->offset + w->pos == 0, from);
		}
		w->pos += n;
		c->frame_left -= n;
		return 0;
	}
	/* A frame header, nearly always whole in this call. */
	if (c->header_have == 0 && left >= EW_H2_FRAME_HEADER) {
		if (h2_load(w, c->header, EW_H2_FRAME_HEADER, w->pos, from))
			goto lost;
		frame_length = ((__u32)c->header[0] << 16) | ((__u32)c->header[1] << 8) | c->header[2];
		c->copying = copies_h2_frame(w, c->header[3], frame_length);
		if (c->copying) {
			/* Header and payload in one piece: half the events of a header block. */
			__u32 n = left - EW_H2_FRAME_HEADER < frame_length
					  ? left
					  : EW_H2_FRAME_HEADER + frame_length;

			if (n > EW_PAYLOAD_MAX)
				n = EW_PAYLOAD_MAX;
			emit_h2_piece(w, w->pos, n, c->offset + w->pos, true, from);
			w->pos += n;
			c->frame_left = frame_length - (n - EW_H2_FRAME_HEADER);
			return 0;
		}
		emit_h2_piece(w, 0, EW_H2_FRAME_HEADER, c->offset + w->pos, true, H2_FROM_CURSOR);
		w->pos += EW_H2_FRAME_HEADER;
		c->frame_left = frame_length;
		return 0;
	}
	/* A header split across calls: kept in the cursor, copied once whole. */
	if (h2_load(w, &c->header[c->header_have & 15], 1, w->pos, from))
		goto lost;
	c->header_have++;
	w->pos++;
	if (c->header_have < EW_H2_FRAME_HEADER)
		return 0;
	c->header_have = 0;
	frame_length = ((__u32)c->header[0] << 16) | ((__u32)c->header[1] << 8) | c->header[2];
	emit_h2_piece(w, 0, EW_H2_FRAME_HEADER, c->offset + w->pos - EW_H2_FRAME_HEADER, true,
		      H2_FROM_CURSOR);
	c->frame_left = frame_length;
	c->copying = copies_h2_frame(w, c->header[3], frame_length);
	return 0;
lost:
	c->untracked = 1;
	count_drop(w->untracked_reason);
	return 1;
}

static long h2_walk_step_user(__u64 index, struct h2_walk *w)
{
	return h2_walk_step(w, H2_FROM_USER);
}

static long h2_walk_step_skb(__u64 index, struct h2_walk *w)
{
	return h2_walk_step(w, H2_FROM_SKB);
}

/* Walks w's `length` bytes for the direction `cursor` follows; the caller filled w's header,
 * origin, source and tgid. */
static __always_inline void walk_h2(struct tls_h2_cursor *cursor, struct h2_walk *w, enum h2_source from)
{
	if (cursor->untracked)
		return;
	w->cursor = *cursor;
	w->pos = 0;
	if (from == H2_FROM_SKB)
		bpf_loop(EW_H2_WALK_STEPS, h2_walk_step_skb, w, 0);
	else
		bpf_loop(EW_H2_WALK_STEPS, h2_walk_step_user, w, 0);
	if (w->pos < w->length && !w->cursor.untracked) {
		w->cursor.untracked = 1;
		count_drop(w->untracked_reason);
	}
	w->cursor.offset += w->length;
	*cursor = w->cursor;
}

/* Walks one TLS call's `length` bytes at `buf` for the direction `cursor` follows. */
static __always_inline void walk_h2_call(struct tls_h2_cursor *cursor, const struct tls_data_origin *origin,
					 __u64 buf, __u64 length)
{
	struct h2_walk w = {};

	if (length > 0xffffffffULL)
		return;
	fill_header_from_current(&w.hdr, EW_EVENT_TLS_DATA);
	w.origin = *origin;
	w.buf = buf;
	w.length = length;
	w.tgid = w.hdr.tgid;
	w.untracked_reason = EW_DROP_TLS_H2_UNTRACKED;
	walk_h2(cursor, &w, H2_FROM_USER);
}

#endif
