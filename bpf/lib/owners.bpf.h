/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which process owns a socket, for the cgroup_skb programs: they run in softirq or on
 * behalf of whoever is sending, so they cannot ask for the current task. The connect and
 * sendmsg hooks run in the process and record it.
 *
 * The owner lives in sk_storage, freed with the socket. Creating sk_storage allocates and
 * charges memory at connect and frees it through RCU at close: most of the cost of a short
 * connection. Hash maps are no cheaper (bucket locks on insert and delete). So a connected
 * TCP socket's owner first goes into a slot of a preallocated array, chosen by its socket
 * cookie and claimed with a compare-and-swap, and moves into sk_storage with the first
 * packet that carries payload. Sockets that close without one (connect+close loops, port
 * probes, refused connections) never allocate; cgroup/sock_release frees their slot. A
 * slot still held by another socket, or no sock_release, means sk_storage at connect as
 * before: slower, never missed, never overwritten.
 */
#ifndef EGRESSWATCH_OWNERS_BPF_H
#define EGRESSWATCH_OWNERS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "egresswatch/abi.h"
#include "emit.bpf.h" /* count_drop */

struct sock_owner {
	__u64 heads_refused_until_ns; /* the process's HTTP head budget is empty until then */
	__u32 tgid;
	__u32 tid;
	__u32 uid;
	__u32 tls_captured;  /* ClientHello bytes already copied */
	__u32 tls_wanted;    /* the ClientHello record's size, capped by payload_flow_bytes */
	__u8 flow_kind;	     /* enum ew_flow_kind */
	__u8 done;	     /* nothing more to copy from this socket */
	__u8 tls_hello_sent; /* the ClientHello is copied: the server's first payload is next */
	__u8 pad;
	char comm[EW_COMM_LEN];
};

/* Freed with the socket: no userspace cleanup, no bound to size. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sock_owner);
} sock_owners SEC(".maps");

/* An owner waiting for its socket's first payload. */
struct pending_owner {
	__u64 cookie; /* the socket's; 0: the slot is free */
	struct sock_owner owner;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct pending_owner);
} pending_owners SEC(".maps");

/* pending_owners' size less one, set with it by the loader: the size is a power of two, so
 * a cookie picks its slot with a mask rather than a 64-bit division. */
const volatile __u32 pending_slot_mask = 16384 - 1;

/* Set by userspace once sock_release_forget_owner is attached: until then nothing would
 * free the slot of a socket that closes without payload. */
bool defer_socket_owners;

static __always_inline struct pending_owner *pending_slot(__u64 cookie)
{
	__u32 index = cookie & pending_slot_mask;

	return bpf_map_lookup_elem(&pending_owners, &index);
}

/* The slot's cookie as it is now: another CPU may free or claim it at any time. */
static __always_inline __u64 slot_cookie(const struct pending_owner *slot)
{
	return *(volatile const __u64 *)&slot->cookie;
}

static __always_inline void fill_owner(struct sock_owner *owner)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	owner->tgid = pid_tgid >> 32;
	owner->tid = (__u32)pid_tgid;
	owner->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(owner->comm, sizeof(owner->comm));
}

/* Records the calling process as the owner of the socket with this cookie, unless it
 * already has one: a datagram socket shared after fork keeps its creator. */
static __always_inline void own_socket(struct bpf_sock_addr *ctx, __u64 cookie, bool connecting)
{
	struct sock_owner fresh = {};
	struct pending_owner *slot;

	if (connecting && ctx->type == SOCK_STREAM && defer_socket_owners) {
		fill_owner(&fresh);
		slot = pending_slot(cookie);
		if (slot) {
			/* No payload can reach cgroup_skb before connect() returns, so nothing
			 * reads the owner before it is written. */
			if (__sync_val_compare_and_swap(&slot->cookie, 0, cookie) == 0) {
				slot->owner = fresh;
				return;
			}
			/* A second connect() after a failed one keeps the first owner. */
			if (slot_cookie(slot) == cookie)
				return;
		}
		/* The slot is another socket's. */
	} else {
		if (bpf_sk_storage_get(&sock_owners, ctx->sk, 0, 0))
			return;
		fill_owner(&fresh);
	}
	if (!bpf_sk_storage_get(&sock_owners, ctx->sk, &fresh, BPF_SK_STORAGE_GET_F_CREATE))
		count_drop(EW_DROP_OWNER_STORAGE);
}

/* The owner of a socket about to carry payload, moved from its pending slot into
 * sk_storage; NULL if the socket has no owner. */
static __always_inline struct sock_owner *adopt_pending_owner(struct __sk_buff *skb, struct bpf_sock *sk)
{
	struct pending_owner *slot;
	struct sock_owner copy, *owner;
	__u64 cookie = bpf_get_socket_cookie(skb);

	slot = pending_slot(cookie);
	if (!slot || slot_cookie(slot) != cookie)
		return NULL;
	copy = slot->owner;
	/* Freed and claimed by another socket while being copied (this one is closing). */
	if (slot_cookie(slot) != cookie)
		return NULL;
	owner = bpf_sk_storage_get(&sock_owners, sk, &copy, BPF_SK_STORAGE_GET_F_CREATE);
	if (!owner) {
		/* Left pending: the next packet tries again. */
		count_drop(EW_DROP_OWNER_STORAGE);
		return NULL;
	}
	__sync_val_compare_and_swap(&slot->cookie, cookie, 0);
	return owner;
}

/* Frees the slot of a connected socket that closes without having carried payload. */
static __always_inline void forget_pending_owner(__u64 cookie)
{
	struct pending_owner *slot = pending_slot(cookie);

	if (slot && slot_cookie(slot) == cookie)
		__sync_val_compare_and_swap(&slot->cookie, cookie, 0);
}

SEC("cgroup/sock_release")
int sock_release_forget_owner(struct bpf_sock *ctx)
{
	if (ctx->type == SOCK_STREAM)
		forget_pending_owner(bpf_get_socket_cookie(ctx));
	return 1;
}

#endif
