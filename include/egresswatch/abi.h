/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The kernel/userspace contract: every record that crosses the ring buffer and every
 * map key or value userspace reads. Included by the BPF programs (after vmlinux.h) and
 * by the C++ decoder, which static_asserts each size so that a field added on one side
 * only breaks the build, never the decoding.
 *
 * Rules: fixed-width fields, largest first, explicit named padding, no implicit holes.
 */
#ifndef EGRESSWATCH_ABI_H
#define EGRESSWATCH_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define EW_COMM_LEN	16
#define EW_FILENAME_LEN 256
/* Power of two: the BPF side masks lengths with (EW_ARGS_LEN - 1) for the verifier. */
#define EW_ARGS_LEN 1024
/* Most payload bytes one packet can carry to userspace (the --payload-bytes ceiling). */
#define EW_PAYLOAD_MAX 1024

enum ew_event_type {
	EW_EVENT_CONNECT = 1, /* connect() on TCP or UDP: cgroup/connect4, connect6 */
	EW_EVENT_SEND = 2,    /* first unconnected datagram per socket and destination */
	EW_EVENT_EXEC = 3,
	EW_EVENT_FORK = 4,	    /* a new process (not a thread) */
	EW_EVENT_EXIT = 5,	    /* the last thread of a process exited */
	EW_EVENT_PAYLOAD = 6,	    /* first bytes of a packet on an observed socket: cgroup_skb */
	EW_EVENT_TLS_DATA = 7,	    /* plaintext a TLS library call wrote or read: uprobes */
	EW_EVENT_TLS_BIND = 8,	    /* the socket of a TLS session whose data came without one */
	EW_EVENT_LIBS_CHANGED = 9,  /* the dynamic loader mapped libraries into a process */
	EW_EVENT_CGROUP_MKDIR = 10, /* a cgroup was made on the cgroup v2 hierarchy */
};

enum ew_tls_library {
	EW_TLS_LIB_NONE = 0,	/* h2c: cleartext HTTP/2 read from packets (bpf/lib/h2c.bpf.h) */
	EW_TLS_LIB_OPENSSL = 1, /* OpenSSL 1.1/3 and BoringSSL: the SSL_* API */
	EW_TLS_LIB_GNUTLS = 2,
	EW_TLS_LIB_GO = 3, /* Go's crypto/tls, in the program's own binary */
};

/* What a TLS library function probed with uprobe_tls_call_enter does: the attach cookie
 * (bpf_cookie) holds this, so that one program serves every function of every library. */
#define EW_TLS_OP_WRITE		0x01 /* else a read: the plaintext is there only on return */
#define EW_TLS_OP_RESULT_ARG	0x02 /* the byte count is stored through the 4th argument (_ex) */
#define EW_TLS_OP_LIBRARY_SHIFT 8    /* enum ew_tls_library, in the next byte */

/* How a TLS data event's socket was learned. */
enum ew_tls_socket {
	EW_TLS_SOCKET_UNKNOWN = 0,    /* not yet: an EW_EVENT_TLS_BIND for the session follows */
	EW_TLS_SOCKET_IN_CALL = 1,    /* the call itself sent or received on it (Go: its conn's fd is it) */
	EW_TLS_SOCKET_SESSION = 2,    /* an earlier call of the same session did */
	EW_TLS_SOCKET_UNRESOLVED = 3, /* not known, and no bind event follows (Go: see tls_go.bpf.h) */
};

/* What the kernel made of a flow from its first payload bytes; decides what it keeps
 * copying. */
enum ew_flow_kind {
	EW_FLOW_UNDECIDED = 0,
	EW_FLOW_HTTP = 1,  /* every request head and response head, for the socket's life */
	EW_FLOW_TLS = 2,   /* the ClientHello record, then nothing */
	EW_FLOW_DNS = 3,   /* every message (port 53), both directions */
	EW_FLOW_OTHER = 4, /* the first packet, then nothing */
	/* HTTP/2, in TLS plaintext or in packets (h2c), in pieces at their offset in the stream:
	 * every frame's header, and every frame but DATA whole (bpf/lib/tls_h2.bpf.h); sent as
	 * ew_tls_data_event, library EW_TLS_LIB_NONE for h2c */
	EW_FLOW_HTTP2 = 5,
};

/* ew_tls_data_event.piece: what userspace must know to put an HTTP/2 piece in its stream. */
enum ew_tls_piece {
	EW_TLS_PIECE_FRAME_START = 1, /* data begins with a frame header (or the preface) */
	EW_TLS_PIECE_JOINED = 2,      /* the session was first seen mid-connection: no preface */
};

enum ew_direction {
	EW_DIR_EGRESS = 0,
	EW_DIR_INGRESS = 1,
};

/* Why an event did not reach userspace. Indexes the `drop_counters` per-CPU array. */
enum ew_drop_reason {
	EW_DROP_RINGBUF_CONNECT = 0,
	EW_DROP_RINGBUF_SEND = 1,
	EW_DROP_RINGBUF_EXEC = 2,
	EW_DROP_RINGBUF_FORK = 3,
	EW_DROP_RINGBUF_EXIT = 4,
	EW_DROP_DEDUP_FULL = 5,	     /* could not record a flow in flow_dedup: reported anyway */
	EW_DROP_ARGS_UNREADABLE = 6, /* exec argv not readable: exec still reported */
	EW_DROP_RINGBUF_PAYLOAD = 7,
	EW_DROP_OWNER_STORAGE = 8,    /* no sk_storage for a socket: its payload is not inspected */
	EW_DROP_HTTP_FLOW_BUDGET = 9, /* an HTTP head over its process's budget (--http-head-*) */
	EW_DROP_RINGBUF_TLS = 10,
	EW_DROP_TLS_CALLS_FULL = 11, /* no memory for a thread's TLS call state: call not reported */
	/* --enforce: an address a DNS answer gave for an allowed name could not be stored
	 * (enforce_learned full), or an answer for an allowed name could not be read to the
	 * end. Connects there are blocked (fail-closed) or let through unverified (fail-open). */
	EW_DROP_ENFORCE_LEARNED_FULL = 12,
	EW_DROP_ENFORCE_DNS_UNREAD = 13,
	/* --enforce fail-closed: an allowed first connect whose event could not be reserved
	 * was refused rather than let out unrecorded. */
	EW_DROP_ENFORCE_UNRECORDED = 14,
	EW_DROP_RINGBUF_CGROUP = 15, /* a new cgroup's name: its records name it only after a rescan */
	/* a cgroup the run should follow (a container it started) did not fit in followed_cgroups:
	 * its tasks are not observed */
	EW_DROP_FOLLOWED_CGROUPS_FULL = 16,
	/* an HTTP/2 call held more frames than one call's walk follows (EW_H2_WALK_STEPS): the
	 * session's later frames in that direction are not copied */
	EW_DROP_TLS_H2_UNTRACKED = 17,
	/* a Go crypto/tls call whose connection's socket could not be found from its file
	 * descriptor (not a TCP conn, or a socket made before egresswatch saw it): its requests
	 * are reported, unjoined from their connection */
	EW_DROP_TLS_GO_SOCKET_UNRESOLVED = 18,
	/* an h2c connection's segment arrived before one it follows (out of order), or held more
	 * frames than one packet's walk follows: that direction's later frames are not copied */
	EW_DROP_H2C_UNTRACKED = 19,
	EW_DROP__COUNT = 20,
};

/* Address families as the kernel numbers them; vmlinux.h has no #defines. */
#define EW_AF_INET  2
#define EW_AF_INET6 10

#define EW_IPPROTO_TCP	  6
#define EW_IPPROTO_UDP	  17
#define EW_IPPROTO_ICMP	  1
#define EW_IPPROTO_ICMPV6 58
#define EW_IPPROTO_SCTP	  132 /* only named in userspace: a connect the sockaddr hooks report */

/* What --enforce decided for a connect or datagram. Without --enforce every event is
 * ALLOWED. */
enum ew_verdict {
	EW_VERDICT_ALLOWED = 0,
	EW_VERDICT_BLOCKED = 1,	   /* refused with EPERM */
	EW_VERDICT_UNVERIFIED = 2, /* fail-open let it through while enforcement state was incomplete */
};

/* Who did it: filled from the current task for every event. */
struct ew_event_header {
	__u64 ts_ns;	 /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u64 cgroup_id; /* cgroup v2 id == inode number of the cgroup directory */
	__u32 type;	 /* enum ew_event_type */
	__u32 tgid;	 /* process id */
	__u32 tid;	 /* thread id */
	__u32 uid;
	char comm[EW_COMM_LEN];
};

/* Destination of a connect() or an unconnected sendmsg(). IPv4 addresses are stored
 * in the first four bytes of addr; v4-mapped IPv6 keeps family == AF_INET6. */
struct ew_sock_event {
	struct ew_event_header hdr;
	__u64 cookie; /* socket cookie: joins later payload events to this socket */
	__u8 addr[16];
	__u16 port;   /* host byte order */
	__u16 family; /* EW_AF_INET or EW_AF_INET6 */
	__u8 protocol;
	__u8 verdict; /* enum ew_verdict */
	__u8 pad[2];
};

struct ew_exec_event {
	struct ew_event_header hdr;
	/* The file executed, as the kernel numbers it (i_ino, its superblock's s_dev): the key of
	 * programs_examined (bpf/lib/hold_new_programs.bpf.h). */
	__u64 exe_ino;
	__u32 exe_dev;
	__u32 ppid;
	__u32 args_len; /* bytes valid in args: NUL-separated argv */
	__u32 held_pid; /* held: the process as egresswatch's own PID namespace numbers it */
	__u8 args_truncated;
	__u8 held; /* stopped (SIGSTOP) until userspace has examined the file, then continued */
	__u8 pad[6];
	char filename[EW_FILENAME_LEN]; /* path as passed to execve (may be relative) */
	char interp[EW_FILENAME_LEN];	/* interpreter for #! scripts, else == filename */
	/* the file executed, from the process's root (bpf/lib/exe_path.bpf.h); "" if too deep */
	char exe[EW_FILENAME_LEN];
	char args[EW_ARGS_LEN];
};

struct ew_fork_event {
	struct ew_event_header hdr; /* the parent */
	__u32 child_tgid;
	__u32 pad;
};

struct ew_exit_event {
	struct ew_event_header hdr;
	__u32 exit_code; /* as in wait(2) status */
	__u32 pad;
};

/* Payload of one packet on a socket an observed process connected or sent from. The
 * header names that process (recorded on the socket at connect/sendmsg time): packets
 * have no process context of their own. */
struct ew_payload_event {
	struct ew_event_header hdr;
	__u64 cookie;
	__u8 addr[16];	/* the remote end: destination on egress, source on ingress */
	__u32 tcp_seq;	/* sequence number of the first payload byte (TCP), else 0 */
	__u32 length;	/* payload bytes in the packet */
	__u16 captured; /* bytes in data: at most --payload-bytes */
	__u16 port;	/* remote port, host byte order */
	__u16 family;	/* of the packet: a v4-mapped socket sends IPv4 */
	__u8 protocol;
	__u8 direction; /* enum ew_direction */
	__u8 flow_kind; /* enum ew_flow_kind */
	__u8 pad[7];
	__u8 data[EW_PAYLOAD_MAX];
};

/* flow_dedup: only the first connect per (process, destination, protocol), and the first
 * datagram per (process, socket, destination), cross the ring buffer; repeats bump
 * `repeats`, which userspace reads when it flushes. */
struct ew_tls_data_event {
	struct ew_event_header hdr;
	__u64 session;	/* the library's session (SSL *, gnutls_session_t): unique per process */
	__u64 cookie;	/* of the session's socket, 0 while unknown (see socket) */
	__u64 offset;	/* EW_FLOW_HTTP2: where data begins in its direction's stream */
	__u8 addr[16];	/* the socket's remote address */
	__u32 length;	/* plaintext bytes the call wrote or read; EW_FLOW_HTTP2: the piece's */
	__u16 captured; /* bytes in data: at most --payload-bytes */
	__u16 port;	/* remote port, host byte order */
	__u16 family;
	__u8 direction; /* enum ew_direction: a write is egress */
	__u8 library;	/* enum ew_tls_library */
	__u8 socket;	/* enum ew_tls_socket */
	__u8 flow_kind; /* enum ew_flow_kind, decided from the session's first write */
	__u8 piece;	/* EW_FLOW_HTTP2: enum ew_tls_piece bits */
	__u8 pad;
	__u8 data[EW_PAYLOAD_MAX];
};

struct ew_tls_bind_event {
	struct ew_event_header hdr;
	__u64 session;
	__u64 cookie;
	__u8 addr[16];
	__u16 port;
	__u16 family;
	__u32 pad;
};

struct ew_libs_changed_event {
	struct ew_event_header hdr; /* the process whose mappings changed */
};

/* A cgroup made on the v2 hierarchy, named the moment it appears: a container's cgroup may
 * be gone before userspace could look it up by id. */
#define EW_CGROUP_PATH_LEN 512
/* Cgroups a run follows at once (containers its command started, and cgroups below them). */
#define EW_FOLLOWED_CGROUPS_MAX 4096
struct ew_cgroup_event {
	struct ew_event_header hdr; /* the task that made it */
	__u64 cgroup_id;	    /* the new cgroup's id, as ew_event_header.cgroup_id names it */
	__u64 parent_id;
	__u8 path_truncated; /* longer than path: userspace names it by a rescan instead */
	__u8 followed;	     /* it joined a run's scope (bpf/lib/followed_cgroups.bpf.h) */
	__u8 pad[6];
	char path[EW_CGROUP_PATH_LEN]; /* below the hierarchy's root: "/a/b" */
};

struct ew_flow_key {
	__u64 cookie; /* 0 for connects: they are deduplicated across sockets */
	__u8 addr[16];
	__u32 tgid;
	__u16 port;
	__u16 family;
	__u8 protocol;
	__u8 kind; /* EW_EVENT_CONNECT or EW_EVENT_SEND */
	__u8 pad[6];
};

struct ew_flow_value {
	__u64 repeats;
};

/*
 * --enforce: what the allowlist allows, as the connect and sendmsg hooks look it up.
 *
 * Every distinct (port range, protocols, process set) of the allowlist is one port rule,
 * an index into the enforce_port_rules table (a load-time constant). Addresses, address
 * blocks and names map to the set of rules that allow them, as a bitmap: learning an
 * address from a DNS answer ORs the name's rules into the address's, which is atomic.
 */
#define EW_ENFORCE_PORT_RULES	128
#define EW_ENFORCE_PROTO_TCP	0x01
#define EW_ENFORCE_PROTO_UDP	0x02
#define EW_ENFORCE_PROTO_OTHER	0x04 /* the rest: only loopback allows these */
#define EW_ENFORCE_PROTO_ICMP	0x08 /* echo requests */
#define EW_ENFORCE_PROTO_ICMPV6 0x10
/* Longest name text, reversed, plus its terminating NUL: the LPM trie's data limit. */
#define EW_ENFORCE_NAME_LEN 256

struct ew_port_rule {
	__u16 first; /* port range, host byte order, inclusive */
	__u16 last;
	__u16 exe_set;	/* 0: any process; else the executable must be in enforce_exes under it */
	__u8 protocols; /* EW_ENFORCE_PROTO_*; 0 marks an unused slot */
	__u8 pad;
};

struct ew_rule_set {
	__u64 bits[EW_ENFORCE_PORT_RULES / 64];
};

/* Addresses as every enforcement table holds them: a family tag (4 or 6) and the address,
 * IPv4 (and v4-mapped IPv6) in the first four bytes. The tag keeps ::/0 from covering
 * IPv4, and maps ::ffff:a.b.c.d to the IPv4 entries, as everywhere else in egresswatch. */
#define EW_ENFORCE_FAMILY_V4 4
#define EW_ENFORCE_FAMILY_V6 6

/* enforce_networks (LPM trie): prefixlen counts the tag's 8 bits, then the block's. */
struct ew_network_key {
	__u32 prefixlen;
	__u8 family;
	__u8 addr[16];
	__u8 pad[3];
};

/* enforce_learned: an address a DNS answer for an allowed name returned. */
struct ew_learned_key {
	__u8 family;
	__u8 addr[16];
	__u8 pad[3];
};

/* enforce_names (LPM trie): a name's lower-case text reversed, so that a wildcard's
 * domain is a prefix of every name below it. "api.example.org" is "gro.elpmaxe.ipa"
 * followed by a NUL that is part of the prefix (an exact name); "*.example.org" is
 * "gro.elpmaxe." (any name below it, not the apex). */
struct ew_name_key {
	__u32 prefixlen;
	__u8 name[EW_ENFORCE_NAME_LEN];
};

/* enforce_exes: an executable (by device and inode) in a rule's process set. s_dev is the
 * kernel's encoding, (major << 20) | minor. */
struct ew_exe_key {
	__u64 ino;
	__u32 dev;
	__u16 exe_set;
	__u16 pad;
};

/* dns_queries: a DNS query an observed socket sent and whose answer is still due. */
struct ew_dns_query_key {
	__u64 cookie;
	__u16 id;
	__u8 pad[6];
};

#endif /* EGRESSWATCH_ABI_H */
