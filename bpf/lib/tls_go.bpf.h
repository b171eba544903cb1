/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Go's crypto/tls: uprobes on crypto/tls.(*Conn).Write and (*Conn).Read (Go 1.18+ on amd64,
 * whose register ABI passes arguments and results in RAX, RBX, RCX, ... and keeps the running
 * goroutine's g in R14). A write is read at its entry, a read at its returns.
 *
 * Why not the OpenSSL way (tls.bpf.h):
 *  - Go grows a goroutine's stack by copying it, so a uretprobe, which swaps the return address
 *    on the stack for a trampoline's, crashes the program. Read's entry and every RET
 *    instruction are probed instead (system/go_binary.cpp finds them).
 *  - A goroutine blocked in Read is parked and resumes on whichever thread is free, while other
 *    goroutines run on the thread it left: neither thread storage nor "the socket this thread
 *    used in the call" holds. A call is keyed by its goroutine (the g pointer, unique among
 *    live goroutines, so no goid offset per Go version is needed), and its socket comes from
 *    the connection's own file descriptor.
 *
 * The bytes then take the same path as OpenSSL's: HTTP/1 heads within the budget, HTTP/2
 * walked frame by frame (tls_h2.bpf.h), keyed by the *tls.Conn as a session.
 */
#ifndef EGRESSWATCH_TLS_GO_BPF_H
#define EGRESSWATCH_TLS_GO_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "egresswatch/abi.h"
#include "emit.bpf.h"
#include "lookup_or_insert.bpf.h"
#include "task_scope.bpf.h"
#include "tls.bpf.h" /* tls_sessions, report_tls_data, read_tls_socket */

/* Go's layout, unchanged from Go 1.9 to 1.23: tls.Conn begins with `conn net.Conn` (an
 * interface: itab, then data), net.TCPConn begins with `fd *netFD`, and netFD begins with
 * poll.FD, whose Sysfd follows a 16-byte fdMutex. */
#define EW_GO_IFACE_DATA  8
#define EW_GO_NETFD_SYSFD 16

/* Go's register ABI (ABIInternal): the first integer arguments and results, and the register
 * that holds the running goroutine. Userspace places these probes on amd64 binaries only
 * (system/go_binary.cpp); arm64's registers are here so that the object builds for it. */
#if defined(__TARGET_ARCH_arm64)
#define GO_REG(ctx, n)	  (((const struct user_pt_regs *)(ctx))->regs[n])
#define GO_ARG0(ctx)	  GO_REG(ctx, 0)
#define GO_ARG1(ctx)	  GO_REG(ctx, 1)
#define GO_ARG2(ctx)	  GO_REG(ctx, 2)
#define GO_GOROUTINE(ctx) GO_REG(ctx, 28)
#else
#define GO_ARG0(ctx)	  ((ctx)->ax)
#define GO_ARG1(ctx)	  ((ctx)->bx)
#define GO_ARG2(ctx)	  ((ctx)->cx)
#define GO_GOROUTINE(ctx) ((ctx)->r14)
#endif

struct go_tls_call_key {
	__u64 goroutine; /* the g pointer, from R14 */
	__u32 tgid;
	__u32 pad;
};

/* A read in flight. */
struct go_tls_call {
	__u64 conn; /* the *tls.Conn: the session */
	__u64 buf;
	__u32 op; /* EW_TLS_OP_* and EW_TLS_LIB_GO, from the attach cookie */
	__u32 pad;
};

/* Calls in flight: each return deletes its entry. A goroutine that leaves a call by panicking
 * leaves its entry until its g makes the next call. Not LRU: an LRU update cost the entry
 * probe about 200 ns more. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct go_tls_call_key);
	__type(value, struct go_tls_call);
} go_tls_calls SEC(".maps");

/* The netFD behind a *tls.Conn: conn -> net.Conn's data (a *net.TCPConn) -> its fd. 0 if
 * unreadable. */
static __always_inline __u64 go_conn_netfd(__u64 conn)
{
	__u64 conn_data = 0, netfd = 0;

	if (bpf_probe_read_user(&conn_data, sizeof(conn_data), (const void *)(conn + EW_GO_IFACE_DATA)) ||
	    bpf_probe_read_user(&netfd, sizeof(netfd), (const void *)conn_data))
		return 0;
	return netfd;
}

/* The socket behind a netFD: its Sysfd -> this process's file -> socket. Every step is
 * checked, so a conn that is not a plain TCP connection (a wrapper whose first word points
 * elsewhere) fails instead of naming a wrong socket: the file must be a socket's (its socket
 * points back to it) and the socket an inet stream. About 15 reads: done once per session,
 * not per call (measured in bench/go_tls_cost.sh). */
static __always_inline bool go_netfd_socket(__u64 netfd, struct tls_socket *out)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct file **fds, *file = NULL;
	struct fdtable *fdt;
	struct socket *sock;
	struct sock *sk;
	__s64 sysfd = -1;

	if (!netfd || bpf_probe_read_user(&sysfd, sizeof(sysfd), (const void *)(netfd + EW_GO_NETFD_SYSFD)))
		return false;
	fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt || sysfd < 0 || sysfd >= BPF_CORE_READ(fdt, max_fds))
		return false;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_core_read(&file, sizeof(file), &fds[sysfd]) || !file)
		return false;
	sock = BPF_CORE_READ(file, private_data);
	if (!sock || BPF_CORE_READ(sock, file) != file)
		return false;
	sk = BPF_CORE_READ(sock, sk);
	if (!sk || !is_inet_stream(sk))
		return false;
	read_tls_socket(sk, out);
	/* A uprobe may not make a cookie; every socket an observed process connected or sent
	 * from has one from the cgroup hooks. */
	out->cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
	return out->cookie != 0;
}

/* Which socket a call of `session` used. A session keeps the netFD its socket was found
 * through: the same netFD is the same connection, the conn read costs two user reads. A
 * different one means the *tls.Conn's address now holds a new connection (Close removes
 * sessions, but a conn the program drops without closing is freed by Go's collector
 * unannounced), which starts clean. */
static __always_inline __u8 go_call_socket(__u64 conn, struct tls_session *session)
{
	struct tls_socket socket = {};
	__u64 netfd = go_conn_netfd(conn);

	if (netfd && session->socket.cookie && session->go_netfd == netfd)
		return EW_TLS_SOCKET_SESSION;
	if (!go_netfd_socket(netfd, &socket)) {
		count_drop(EW_DROP_TLS_GO_SOCKET_UNRESOLVED);
		return EW_TLS_SOCKET_UNRESOLVED;
	}
	if (session->socket.cookie && session->socket.cookie != socket.cookie)
		__builtin_memset(session, 0, sizeof(*session));
	session->socket = socket;
	session->go_netfd = netfd;
	return EW_TLS_SOCKET_IN_CALL;
}

/* What a call moved, reported against its connection's session. */
static __always_inline void report_go_call(struct tls_call *call, long n)
{
	struct tls_session_key session_key = {};
	struct tls_session fresh = {};
	struct tls_session *session;
	__u8 socket_source;

	session_key.session = call->session;
	session_key.tgid = bpf_get_current_pid_tgid() >> 32;
	session = lookup_or_insert(&tls_sessions, &session_key, &fresh);
	if (!session)
		return;
	socket_source = go_call_socket(call->session, session);
	report_tls_data(call, session, n, call->op & EW_TLS_OP_WRITE, socket_source);
}

/* At the entry of both functions. A write is reported here, whole (Write sends all of b or
 * fails): reported at its return, a request raced its own answer, which the reading
 * goroutine, on another thread, could report first (1 in 30 runs of a three-request HTTP/2
 * client lost a request that way). A read saves its buffer for the return. */
SEC("uprobe")
int BPF_KPROBE(uprobe_go_tls_enter)
{
	struct go_tls_call_key key = {};
	struct go_tls_call saved = {};
	struct tls_call call = {};
	long length;

	if (!task_in_scope())
		return 0;
	call.session = GO_ARG0(ctx); /* the receiver */
	call.buf = GO_ARG1(ctx);     /* b []byte: its pointer, then its length */
	call.op = (__u32)bpf_get_attach_cookie(ctx);
	if (call.op & EW_TLS_OP_WRITE) {
		length = GO_ARG2(ctx);
		if (length > 0)
			report_go_call(&call, length);
		return 0;
	}
	key.goroutine = GO_GOROUTINE(ctx);
	key.tgid = bpf_get_current_pid_tgid() >> 32;
	saved.conn = call.session;
	saved.buf = call.buf;
	saved.op = call.op;
	/* A stack that must grow runs the entry twice (morestack restarts the function); the
	 * second writes the same values. */
	if (bpf_map_update_elem(&go_tls_calls, &key, &saved, BPF_ANY))
		count_drop(EW_DROP_TLS_CALLS_FULL);
	return 0;
}

/* At each RET of Read: n, the bytes read, is the first result. */
SEC("uprobe")
int BPF_KPROBE(uprobe_go_tls_return)
{
	struct go_tls_call_key key = {};
	struct tls_call call = {};
	struct go_tls_call *entry;
	long n = GO_ARG0(ctx);

	key.goroutine = GO_GOROUTINE(ctx);
	key.tgid = bpf_get_current_pid_tgid() >> 32;
	entry = bpf_map_lookup_elem(&go_tls_calls, &key);
	if (!entry)
		return 0;
	call.session = entry->conn;
	call.buf = entry->buf;
	call.op = entry->op;
	bpf_map_delete_elem(&go_tls_calls, &key);
	if (n > 0)
		report_go_call(&call, n);
	return 0;
}

/* At crypto/tls.(*Conn).Close: the session goes, so that the next connection Go puts at the
 * same address starts clean (as SSL_free does for OpenSSL's). */
SEC("uprobe")
int BPF_KPROBE(uprobe_go_tls_close)
{
	struct tls_session_key key = {};

	key.session = GO_ARG0(ctx);
	key.tgid = bpf_get_current_pid_tgid() >> 32;
	bpf_map_delete_elem(&tls_sessions, &key);
	return 0;
}

#endif
