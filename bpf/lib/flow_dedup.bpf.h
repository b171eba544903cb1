/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reporting a flow once: the first connect per process and destination, and the first
 * datagram per socket and destination, are reported; repeats are only counted. Shared by
 * the connect and sendmsg hooks (sock_addr.bpf.h) and the ICMP echo check (icmp.bpf.h).
 */
#ifndef EGRESSWATCH_FLOW_DEDUP_BPF_H
#define EGRESSWATCH_FLOW_DEDUP_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "egresswatch/abi.h"
#include "destination.bpf.h"
#include "emit.bpf.h"	 /* count_drop, current_tgid */
#include "enforce.bpf.h" /* enforce, enforce_fail_open */

/* LRU: an evicted destination is simply reported again, never lost. The size is a
 * default: the loader resizes it from a command-line flag before load. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct ew_flow_key);
	__type(value, struct ew_flow_value);
} flow_dedup SEC(".maps");

/* A flow this process already reported: count it; false if it is new (and now recorded). */
static __always_inline bool counted_as_repeat(const struct ew_flow_key *key)
{
	struct ew_flow_value *seen = bpf_map_lookup_elem(&flow_dedup, key);
	struct ew_flow_value first = {};

	if (seen) {
		__sync_fetch_and_add(&seen->repeats, 1);
		return true;
	}
	if (bpf_map_update_elem(&flow_dedup, key, &first, BPF_NOEXIST) == 0)
		return false;
	/* Another CPU inserted the key first: it reports, this one is a repeat. */
	seen = bpf_map_lookup_elem(&flow_dedup, key);
	if (seen) {
		__sync_fetch_and_add(&seen->repeats, 1);
		return true;
	}
	count_drop(EW_DROP_DEDUP_FULL);
	return false;
}

static __always_inline void flow_key_of(struct ew_flow_key *key, const struct destination *dst, __u32 kind,
					bool packet_program)
{
	__builtin_memcpy(key->addr, dst->addr, sizeof(key->addr));
	key->tgid = current_tgid(packet_program);
	key->port = dst->port;
	key->family = dst->family;
	key->protocol = dst->protocol;
	key->kind = kind;
}

/* An allowed flow whose event could not be reserved. fail-closed: nothing goes out that
 * was not recorded, and forgetting the flow makes the retry a first one again rather than
 * an unreported repeat. */
static __always_inline bool unrecorded_flow_may_pass(const struct ew_flow_key *key)
{
	if (!enforce || enforce_fail_open)
		return true;
	bpf_map_delete_elem(&flow_dedup, key);
	count_drop(EW_DROP_ENFORCE_UNRECORDED);
	return false;
}

#endif
