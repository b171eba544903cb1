/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * TLS plaintext capture (uprobes on SSL_write/SSL_read and gnutls_record_*): its state and
 * programs, and the ld.so uprobe that says when a process may have loaded a TLS library.
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

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#include "egresswatch/abi.h"
#include "emit.bpf.h"
#include "lookup_or_insert.bpf.h"
#include "payload.bpf.h" /* payload_packet_bytes, HTTP heads and their budget */
#include "task_scope.bpf.h"
#include "tls_h2.bpf.h"

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
	__u64 result_ptr;	/* size_t *written / *readbytes of the _ex functions */
	__u64 pending_session;	/* the unbound write's session */
	__u64 pending_ended_ns; /* when it returned; 0: none */
	struct tls_socket socket;
	__u32 op; /* EW_TLS_OP_* and the library, from the attach cookie */
	__u8 in_call;
	__u8 socket_seen; /* the call in flight sent or received on socket */
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
	__u8 flow_kind;		  /* enum ew_flow_kind, decided by the first write */
	__u8 done;		  /* nothing more to copy */
	__u8 h2_joined;		  /* EW_FLOW_HTTP2 first seen mid-connection */
	__u8 read_first;	  /* a read came before the first write: a server, or unknowable */
	__u8 pad[4];
	__u64 go_netfd;		    /* Go: the netFD the socket was found through (tls_go.bpf.h) */
	struct tls_h2_cursor h2[2]; /* EW_FLOW_HTTP2: by enum ew_direction */
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

/*
 * TLS plaintext: uprobes on the libraries' write and read functions. One entry and one
 * return program serve every function of every library; the attach cookie says which
 * (EW_TLS_OP_*). Attached per library file, so every process mapping the file hits
 * them: the scope check comes first.
 */

SEC("uprobe")
int BPF_KPROBE(uprobe_tls_call_enter, void *session, const void *buf, __u64 num, void *result_ptr)
{
	struct tls_call *call;

	if (!task_in_scope())
		return 0;
	call = bpf_task_storage_get(&tls_calls, bpf_get_current_task_btf(), 0,
				    BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!call) {
		count_drop(EW_DROP_TLS_CALLS_FULL);
		return 0;
	}
	count_tls_activity(tls_call_active(call), true);
	/* An unbound write's pending fields stay: this call may not be the one that sends. */
	call->session = (__u64)session;
	call->buf = (__u64)buf;
	call->op = (__u32)bpf_get_attach_cookie(ctx);
	call->result_ptr = call->op & EW_TLS_OP_RESULT_ARG ? (__u64)result_ptr : 0;
	call->in_call = 1;
	call->socket_seen = 0;
	return 0;
}

/* Who a call's data came from, for its events. */
static __always_inline void tls_data_origin_of(struct tls_data_origin *origin, const struct tls_call *call,
					       const struct tls_session *session, bool write,
					       __u8 socket_source)
{
	origin->session = call->session;
	origin->cookie = socket_source == EW_TLS_SOCKET_UNKNOWN || socket_source == EW_TLS_SOCKET_UNRESOLVED
				 ? 0
				 : session->socket.cookie;
	__builtin_memcpy(origin->addr, session->socket.addr, sizeof(origin->addr));
	origin->port = session->socket.port;
	origin->family = session->socket.family;
	origin->direction = write ? EW_DIR_EGRESS : EW_DIR_INGRESS;
	origin->library = (call->op >> EW_TLS_OP_LIBRARY_SHIFT) & 0xff;
	origin->socket = socket_source;
	origin->flow_kind = session->flow_kind;
	origin->piece = session->flow_kind == EW_FLOW_HTTP2 && session->h2_joined ? EW_TLS_PIECE_JOINED : 0;
}

static __always_inline void emit_tls_data(const struct tls_call *call, const struct tls_session *session,
					  __u64 length, bool write, __u8 socket_source)
{
	struct tls_data_origin origin = {};
	struct ew_tls_data_event *e;
	__u64 n = length;

	if (n > payload_packet_bytes)
		n = payload_packet_bytes;
	if (n == 0)
		return;
	n = ((n - 1) & (EW_PAYLOAD_MAX - 1)) + 1;
	e = reserve_event(sizeof(*e), EW_EVENT_TLS_DATA, EW_DROP_RINGBUF_TLS);
	if (!e)
		return;
	/* An unreadable buffer (paged out) is reported with nothing captured. */
	if (bpf_probe_read_user(e->data, n, (const void *)call->buf))
		n = 0;
	tls_data_origin_of(&origin, call, session, write, socket_source);
	put_tls_data_origin(e, &origin);
	e->length = length > 0xffffffffULL ? 0xffffffff : length;
	e->captured = n;
	e->offset = 0;
	submit_event(e, sizeof(*e));
}

/* An HTTP/2 session's call: its frames are walked, and their headers and header blocks
 * copied (tls_h2.bpf.h). */
static __always_inline void report_h2_data(const struct tls_call *call, struct tls_session *session,
					   __u64 length, bool write, __u8 socket_source)
{
	struct tls_data_origin origin = {};

	tls_data_origin_of(&origin, call, session, write, socket_source);
	walk_h2_call(&session->h2[write ? EW_DIR_EGRESS : EW_DIR_INGRESS], &origin, call->buf, length);
}

/* Decides from what a finished call moved whether its bytes are copied, as the packet
 * path does: a session is HTTP if its first write starts a request, and then only heads
 * are copied, within the same per-process budget; anything else yields its first
 * write only. */
static __always_inline void report_tls_data(const struct tls_call *call, struct tls_session *session,
					    __u64 length, bool write, __u8 socket_source)
{
	__u32 first4 = 0;

	if (session->done)
		return;
	if (length >= 4)
		bpf_probe_read_user(&first4, sizeof(first4), (const void *)call->buf);
	if (session->flow_kind == EW_FLOW_UNDECIDED) {
		if (!write) {
			session->read_first = 1;
			return;
		}
		session->flow_kind =
			length >= 4 && starts_http_request(first4) ? EW_FLOW_HTTP : EW_FLOW_OTHER;
		if (length >= 4 && starts_h2_preface(first4)) {
			session->flow_kind = EW_FLOW_HTTP2;
			session->h2[EW_DIR_EGRESS].frame_left = EW_H2_PREFACE;
			session->h2[EW_DIR_EGRESS].copying = 1;
		} else if (!session->read_first && looks_like_h2_headers((const void *)call->buf, length)) {
			/* Mid-connection, a client's first call is its request; a server's, which
			 * writes HEADERS too, is the read of one. */
			session->flow_kind = EW_FLOW_HTTP2;
			session->h2_joined = 1;
		}
	}
	if (session->flow_kind == EW_FLOW_HTTP2) {
		report_h2_data(call, session, length, write, socket_source);
		return;
	}
	if (session->flow_kind == EW_FLOW_HTTP) {
		if (!(write ? starts_http_request(first4) : starts_http_response(first4)))
			return;
		if (!take_http_token(bpf_get_current_pid_tgid() >> 32, NULL))
			return;
	} else {
		session->done = 1;
	}
	emit_tls_data(call, session, length, write, socket_source);
}

/* What a TLS call that returned `ret` moved, reported against its session. */
static __always_inline void finish_tls_call(struct tls_call *call, long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct tls_session_key key = {};
	struct tls_session fresh = {};
	struct tls_session *session;
	__u64 length = 0;
	__u8 socket_source;
	bool write;

	write = call->op & EW_TLS_OP_WRITE;
	/* The SSL_* functions return int: the upper half of the register is not theirs. */
	if (((call->op >> EW_TLS_OP_LIBRARY_SHIFT) & 0xff) == EW_TLS_LIB_OPENSSL)
		ret = (int)ret;
	if (call->op & EW_TLS_OP_RESULT_ARG) {
		__u64 moved = 0;

		if (ret == 1 && call->result_ptr)
			bpf_probe_read_user(&moved, sizeof(moved), (const void *)call->result_ptr);
		length = moved;
	} else if (ret > 0) {
		length = ret;
	}

	key.session = call->session;
	key.tgid = pid_tgid >> 32;
	session = lookup_or_insert(&tls_sessions, &key, &fresh);
	if (!session)
		return;
	if (call->socket_seen)
		session->socket = call->socket;
	socket_source = call->socket_seen	 ? EW_TLS_SOCKET_IN_CALL
			: session->socket.cookie ? EW_TLS_SOCKET_SESSION
						 : EW_TLS_SOCKET_UNKNOWN;
	if (length > 0)
		report_tls_data(call, session, length, write, socket_source);
	/* A write that encrypted into memory: the thread's next send will say where to. */
	if (write && length > 0 && socket_source == EW_TLS_SOCKET_UNKNOWN) {
		call->pending_session = call->session;
		call->pending_ended_ns = bpf_ktime_get_ns();
	}
}

SEC("uretprobe")
int BPF_KRETPROBE(uretprobe_tls_call_exit, long ret)
{
	struct tls_call *call;

	call = bpf_task_storage_get(&tls_calls, bpf_get_current_task_btf(), 0, 0);
	if (!call || !call->in_call)
		return 0;
	call->in_call = 0;
	finish_tls_call(call, ret);
	count_tls_activity(true, tls_call_active(call));
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(uprobe_tls_session_free, void *session)
{
	struct tls_session_key key = {};

	key.session = (__u64)session;
	key.tgid = bpf_get_current_pid_tgid() >> 32;
	bpf_map_delete_elem(&tls_sessions, &key);
	return 0;
}

/* Every thread passes here: one leaving mid-call or with an unbound write stops counting
 * as active. A program of its own, so that process lineage does not need TLS state. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(tls_thread_exit, struct task_struct *task)
{
	struct tls_call *call;

	if (!any_tls_thread_active())
		return 0;
	call = bpf_task_storage_get(&tls_calls, task, 0, 0);
	if (call && tls_call_active(call)) {
		call->in_call = 0;
		call->pending_ended_ns = 0;
		count_tls_activity(true, false);
	}
	return 0;
}

static __always_inline void bind_tls_session(__u64 session_ptr, struct sock *sk, __u64 cookie, __u64 pid_tgid)
{
	struct tls_session_key key = {};
	struct ew_tls_bind_event *e;
	struct tls_session *session;

	key.session = session_ptr;
	key.tgid = pid_tgid >> 32;
	session = bpf_map_lookup_elem(&tls_sessions, &key);
	if (!session)
		return;
	read_tls_socket(sk, &session->socket);
	session->socket.cookie = cookie;
	e = reserve_event(sizeof(*e), EW_EVENT_TLS_BIND, EW_DROP_RINGBUF_TLS);
	if (!e)
		return;
	e->session = session_ptr;
	e->cookie = session->socket.cookie;
	__builtin_memcpy(e->addr, session->socket.addr, sizeof(e->addr));
	e->port = session->socket.port;
	e->family = session->socket.family;
	e->pad = 0;
	submit_event(e, sizeof(*e));
}

/* A socket's cookie. Tracing programs (tp_btf, fentry) hold a typed socket pointer and ask
 * the helper, which makes the cookie if the socket has none yet; kprobes may not call it,
 * and read the cookie the socket already has: every socket an observed process connected
 * or sent from got one from the cgroup hooks. */
static __always_inline __u64 tls_socket_cookie(struct sock *sk, bool typed_socket)
{
	if (typed_socket)
		return bpf_get_socket_cookie(sk);
	return BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
}

/* Learns the socket of the TLS call this thread is in, or has just finished. */
static __always_inline void note_tls_socket(struct sock *sk, bool send, bool typed_socket)
{
	struct tls_call *call;

	if (!any_tls_thread_active())
		return;
	call = bpf_task_storage_get(&tls_calls, bpf_get_current_task_btf(), 0, 0);
	if (!call || !tls_call_active(call) || !sk || !is_inet_stream(sk))
		return;
	if (call->in_call && !call->socket_seen) {
		read_tls_socket(sk, &call->socket);
		call->socket.cookie = tls_socket_cookie(sk, typed_socket);
		call->socket_seen = 1;
	}
	if (!send || !call->pending_ended_ns)
		return;
	if (bpf_ktime_get_ns() - call->pending_ended_ns < EW_TLS_BIND_WINDOW_NS)
		bind_tls_session(call->pending_session, sk, tls_socket_cookie(sk, typed_socket),
				 bpf_get_current_pid_tgid());
	call->pending_ended_ns = 0;
	count_tls_activity(true, tls_call_active(call));
}

/*
 * The hook that tells a TLS call which socket it used: one of three, the cheapest this
 * kernel offers (the loader picks). The sock_send_length/sock_recv_length tracepoints
 * (Linux 6.2+) fire in sock_sendmsg/sock_recvmsg for every socket; kernels without them
 * get fentry, else a kprobe, on tcp_sendmsg/tcp_recvmsg: called from inet_sendmsg and
 * inet_recvmsg in another file, so never inlined into the socket layer, and they see only
 * TCP, which is all note_tls_socket wants.
 */
SEC("tp_btf/sock_send_length")
int BPF_PROG(sock_send_length_tls_bind, struct sock *sk, int ret, int flags)
{
	note_tls_socket(sk, true, true);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(sock_recv_length_tls_bind, struct sock *sk, int ret, int flags)
{
	note_tls_socket(sk, false, true);
	return 0;
}

SEC("fentry/tcp_sendmsg")
int BPF_PROG(tcp_sendmsg_tls_bind, struct sock *sk)
{
	note_tls_socket(sk, true, true);
	return 0;
}

SEC("fentry/tcp_recvmsg")
int BPF_PROG(tcp_recvmsg_tls_bind, struct sock *sk)
{
	note_tls_socket(sk, false, true);
	return 0;
}

SEC("kprobe/tcp_sendmsg")
int BPF_KPROBE(tcp_sendmsg_tls_bind_kprobe, struct sock *sk)
{
	note_tls_socket(sk, true, false);
	return 0;
}

SEC("kprobe/tcp_recvmsg")
int BPF_KPROBE(tcp_recvmsg_tls_bind_kprobe, struct sock *sk)
{
	note_tls_socket(sk, false, false);
	return 0;
}

/* _dl_debug_state in ld.so: the loader calls it after mapping the program's libraries and
 * around every dlopen, which is when a TLS library may newly appear in a process. */
SEC("uprobe")
int BPF_KPROBE(uprobe_loader_libs_changed)
{
	struct ew_libs_changed_event *e;

	if (!task_in_scope())
		return 0;
	e = reserve_event(sizeof(*e), EW_EVENT_LIBS_CHANGED, EW_DROP_RINGBUF_TLS);
	/* Not woken at once, though a new library should be probed before the process calls
	 * into it: every program start passes here twice, and two wakeups would make a
	 * start 20% slower. Userspace drains every 10 ms. */
	if (e)
		submit_event(e, sizeof(*e));
	return 0;
}

#endif
