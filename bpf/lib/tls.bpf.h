/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * State for TLS plaintext capture (uprobes on SSL_write/SSL_read and gnutls_record_*).
 *
 * A library call names its session object, not its socket. The socket is learned from
 * the socket operation the call makes on the same thread (sock_send_length and
 * sock_recv_length fire inside SSL_write/SSL_read for a socket BIO), or, for libraries
 * that encrypt into memory and let the caller write the ciphertext (node), from the first
 * send the thread makes right after the call. Sessions remember their socket, so reads
 * served from the library's buffer are joined too.
 */
#ifndef EGRESSWATCH_TLS_BPF_H
#define EGRESSWATCH_TLS_BPF_H

/* A send this soon after a memory-BIO write returned carries that write's ciphertext. */
#define EW_TLS_BIND_WINDOW_NS (50 * 1000 * 1000ULL)

/* A socket as the TLS events describe it. */
struct tls_socket {
	__u64 cookie;
	__u8 addr[16];
	__u16 port;
	__u16 family;
	__u32 pad;
};

/* A thread's TLS call in flight, and a write it finished whose socket is not known yet
 * (the thread's next send says which it is, even if other TLS calls come between). */
struct tls_call {
	__u64 session;
	__u64 buf;
	__u64 result_ptr;       /* size_t *written / *readbytes of the _ex functions */
	__u64 pending_session;  /* the unbound write's session */
	__u64 pending_ended_ns; /* when it returned; 0: none */
	struct tls_socket socket;
	__u32 op;               /* EW_TLS_OP_* and the library, from the attach cookie */
	__u8 in_call;
	__u8 socket_seen;       /* the call in flight sent or received on socket */
	__u8 pad[2];
};

/* Per thread, freed when the thread exits, so an entry left by a thread that died inside a
 * call needs no ageing out. What spares the socket tracepoints a lookup on every send and
 * receive is tls_threads_active below, not this map's type. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tls_call);
} tls_calls SEC(".maps");

/* Threads whose tls_call is inside a call or holds an unbound write. While there are
 * none, the socket tracepoints return at once. Each thread's transitions are counted by the
 * thread itself, and its exit uncounts it. It can only err high (a thread that left a call
 * by longjmp, until it exits), which costs lookups, never a missed socket. */
__u64 tls_threads_active;

static __always_inline bool tls_call_active(const struct tls_call *call)
{
	return call->in_call || call->pending_ended_ns;
}

/* Counts a thread's change between idle and active. */
static __always_inline void count_tls_activity(bool was_active, bool active)
{
	if (active && !was_active)
		__sync_fetch_and_add(&tls_threads_active, 1);
	else if (was_active && !active)
		__sync_fetch_and_sub(&tls_threads_active, 1);
}

static __always_inline bool any_tls_thread_active(void)
{
	return *(volatile __u64 *)&tls_threads_active != 0;
}

struct tls_session_key {
	__u64 session;
	__u32 tgid;
	__u32 pad;
};

struct tls_session {
	struct tls_socket socket; /* cookie 0: not known yet */
	__u8 flow_kind;           /* enum ew_flow_kind, decided by the first write */
	__u8 done;                /* nothing more to copy */
	__u8 pad[2];
};

/* LRU: a session evicted early only loses its remembered socket. Sessions are
 * removed when the library frees them (SSL_free, gnutls_deinit), so that an address the
 * allocator hands to the next session starts clean. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct tls_session_key);
	__type(value, struct tls_session);
} tls_sessions SEC(".maps");

static __always_inline void read_tls_socket(const struct sock *sk, struct tls_socket *out)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	out->family = family;
	out->port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (family == EW_AF_INET6)
		BPF_CORE_READ_INTO(&out->addr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	else {
		__be32 daddr = BPF_CORE_READ(sk, __sk_common.skc_daddr);

		__builtin_memcpy(out->addr, &daddr, sizeof(daddr));
	}
}

static __always_inline bool is_inet_stream(const struct sock *sk)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	return (family == EW_AF_INET || family == EW_AF_INET6) &&
	       BPF_CORE_READ(sk, sk_protocol) == EW_IPPROTO_TCP;
}

#endif
