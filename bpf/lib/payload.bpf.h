/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * How much payload is copied to userspace, by the cgroup_skb programs (capture.bpf.h) and
 * the TLS uprobes (tls.bpf.h) alike: at most so many bytes per packet and per flow, and
 * HTTP heads, which both recognise by their first four bytes, within one budget per
 * process.
 */
#ifndef EGRESSWATCH_PAYLOAD_BPF_H
#define EGRESSWATCH_PAYLOAD_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "egresswatch/abi.h"
#include "emit.bpf.h" /* count_drop */
#include "lookup_or_insert.bpf.h"

/* At most this many payload bytes per packet (<= EW_PAYLOAD_MAX)... */
const volatile __u32 payload_packet_bytes = EW_PAYLOAD_MAX;
/* ...and per TLS or unrecognised flow, over all its packets. */
const volatile __u32 payload_flow_bytes = 4096;
/* ...and HTTP heads (requests plus responses) per process: a burst of this many, then
 * this many per second. A deploy's requests fit; a load test's requests are sampled, and
 * what is not copied is counted. Rate 0: the burst is all there is. */
const volatile __u32 http_head_burst = 512;
const volatile __u32 http_heads_per_sec = 128;
#define NSEC_PER_SEC 1000000000ULL

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

/* HTTP heads a process may still copy, over all its connections and TLS sessions: a
 * keep-alive client that reconnects every thousand requests must not get a fresh burst
 * each time. */
struct http_budget {
	__u64 refilled_ns; /* when tokens was last topped up */
	__u32 tokens;
	__u32 pad;
};

/* LRU: a process whose budget is evicted starts a fresh burst, except on sockets that
 * already learned the budget was empty (sock_owner.heads_refused_until_ns): they wait for
 * the next token as if it had not been evicted. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct http_budget);
} http_budgets SEC(".maps");

/* Takes one HTTP head from the process's budget; false, after counting the head as lost,
 * if there is none left, and then, if refused_until is given, sets it to when the next
 * token is due. CPUs racing on one budget may misjudge a token or two, but each head is
 * either copied or counted. */
static __always_inline bool take_http_token(__u32 tgid, __u64 *refused_until)
{
	struct http_budget fresh = {.tokens = http_head_burst};
	struct http_budget *budget = bpf_map_lookup_elem(&http_budgets, &tgid);

	if (!budget) {
		/* The clock is read only for a process's first head, not for every head. */
		fresh.refilled_ns = bpf_ktime_get_ns();
		budget = lookup_or_insert(&http_budgets, &tgid, &fresh);
		if (!budget)
			return true;
	}
	if (http_heads_per_sec && budget->tokens < http_head_burst) {
		__u64 now = bpf_ktime_get_ns();
		__u64 elapsed = now - budget->refilled_ns;
		__u64 earned;

		/* Bounded so the product below cannot overflow. */
		if (elapsed > 1000 * NSEC_PER_SEC)
			elapsed = 1000 * NSEC_PER_SEC;
		earned = elapsed * http_heads_per_sec / NSEC_PER_SEC;
		if (earned) {
			__u64 tokens = budget->tokens + earned;

			budget->tokens = tokens < http_head_burst ? tokens : http_head_burst;
			budget->refilled_ns = now;
		}
	}
	if (budget->tokens == 0) {
		count_drop(EW_DROP_HTTP_FLOW_BUDGET);
		if (refused_until)
			*refused_until = http_heads_per_sec
						 ? budget->refilled_ns + (NSEC_PER_SEC + http_heads_per_sec -
									  1) / http_heads_per_sec
						 : ~0ULL;
		return false;
	}
	budget->tokens -= 1;
	return true;
}

#endif
