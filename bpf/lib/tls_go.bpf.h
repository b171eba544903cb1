/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Go's crypto/tls: uprobes on crypto/tls.(*Conn).Write and (*Conn).Read (Go 1.17+ on amd64,
 * whose register ABI passes arguments and results in RAX, RBX, RCX, ... and keeps the running
 * goroutine's g in R14).
 *
 * Why not the OpenSSL way (tls.bpf.h):
 *  - Go grows a goroutine's stack by copying it, so a uretprobe, which swaps the return address
 *    on the stack for a trampoline's, crashes the program. The entry and every RET instruction
 *    of the two functions are probed instead (system/go_binary.cpp finds them).
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
#define GO_GOROUTINE(ctx) GO_REG(ctx, 28)
#else
#define GO_ARG0(ctx)	  ((ctx)->ax)
#define GO_ARG1(ctx)	  ((ctx)->bx)
#define GO_GOROUTINE(ctx) ((ctx)->r14)
#endif

struct go_tls_call_key {
	__u64 goroutine; /* the g pointer, from R14 */
	__u32 tgid;
	__u32 pad;
};

struct go_tls_call {
	__u64 conn; /* the *tls.Conn: the session */
	__u64 buf;
	__u32 op; /* EW_TLS_OP_* and EW_TLS_LIB_GO, from the attach cookie */
	__u32 pad;
};

/* Calls in flight. A goroutine that leaves a call by panicking leaves its entry behind until
 * its g runs the next call; LRU bounds what such entries can hold. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct go_tls_call_key);
	__type(value, struct go_tls_call);
} go_tls_calls SEC(".maps");

/* The socket behind a *tls.Conn, through its file descriptor: conn -> net.Conn data ->
 * netFD -> Sysfd -> this process's file -> socket. Every step is checked, so a conn that is
 * not a plain TCP connection (a wrapper whose first word points elsewhere) fails instead of
 * naming a wrong socket: the file must be a socket's (its socket points back to it) and the
 * socket an inet stream. */
static __always_inline bool go_conn_socket(__u64 conn, struct tls_socket *out)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 conn_data = 0, netfd = 0;
	struct file **fds, *file = NULL;
	struct fdtable *fdt;
	struct socket *sock;
	struct sock *sk;
	__s64 sysfd = -1;

	if (bpf_probe_read_user(&conn_data, sizeof(conn_data), (const void *)(conn + EW_GO_IFACE_DATA)) ||
	    bpf_probe_read_user(&netfd, sizeof(netfd), (const void *)conn_data) ||
	    bpf_probe_read_user(&sysfd, sizeof(sysfd), (const void *)(netfd + EW_GO_NETFD_SYSFD)))
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

SEC("uprobe")
int BPF_KPROBE(uprobe_go_tls_enter)
{
	struct go_tls_call_key key = {};
	struct go_tls_call call = {};

	if (!task_in_scope())
		return 0;
	key.goroutine = GO_GOROUTINE(ctx);
	key.tgid = bpf_get_current_pid_tgid() >> 32;
	call.conn = GO_ARG0(ctx); /* the receiver */
	call.buf = GO_ARG1(ctx);  /* b []byte: its pointer, then its length */
	call.op = (__u32)bpf_get_attach_cookie(ctx);
	/* A stack that must grow runs the entry twice (morestack restarts the function); the
	 * second writes the same values. */
	if (bpf_map_update_elem(&go_tls_calls, &key, &call, BPF_ANY))
		count_drop(EW_DROP_TLS_CALLS_FULL);
	return 0;
}

/* At each RET of the two functions: n, the bytes written or read, is the first result. */
SEC("uprobe")
int BPF_KPROBE(uprobe_go_tls_return)
{
	struct go_tls_call_key key = {};
	struct tls_session_key session_key = {};
	struct tls_session fresh = {};
	struct tls_session *session;
	struct tls_socket socket = {};
	struct tls_call call = {};
	struct go_tls_call *entry;
	__u8 socket_source;
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
	if (n <= 0)
		return 0;

	session_key.session = call.session;
	session_key.tgid = key.tgid;
	session = lookup_or_insert(&tls_sessions, &session_key, &fresh);
	if (!session)
		return 0;
	/* Every call resolves its socket: Go frees a tls.Conn without a call egresswatch sees,
	 * so the address may be a new connection's, which starts clean. */
	if (go_conn_socket(call.session, &socket)) {
		if (session->socket.cookie != socket.cookie) {
			if (session->socket.cookie)
				*session = fresh;
			session->socket = socket;
		}
		socket_source = EW_TLS_SOCKET_IN_CALL;
	} else {
		count_drop(EW_DROP_TLS_GO_SOCKET_UNRESOLVED);
		socket_source = EW_TLS_SOCKET_UNRESOLVED;
	}
	report_tls_data(&call, session, n, call.op & EW_TLS_OP_WRITE, socket_source);
	return 0;
}

#endif
