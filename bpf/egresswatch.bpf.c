// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * egresswatch kernel side: who connects where, and the process lineage that lets
 * userspace name every process even after it has exited.
 *
 * Socket hooks are cgroup programs. The connect and sendmsg programs are attached at the
 * cgroup root and check the acting task's cgroup (lib/acting_task.bpf.h); the packet
 * programs see only the cgroup they are attached to (the run's cgroup, a watched cgroup or
 * the root). The sched tracepoints are global; when filter_by_cgroup is set they report
 * only tasks under scope_cgroup[0].
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#include "egresswatch/abi.h"
#include "lib/maps.bpf.h"
#include "lib/acting_task.bpf.h"
#include "lib/emit.bpf.h"
#include "lib/owners.bpf.h"
#include "lib/sock_addr.bpf.h"
#include "lib/payload.bpf.h"
#include "lib/icmp.bpf.h"
#include "lib/tls.bpf.h"
#include "lib/enforce.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile bool filter_by_cgroup = false;
/* Report every connect() instead of the first per (process, destination, protocol). */
const volatile bool dedup_connects = true;
/* Copy the first bytes of flows (DNS, TLS ClientHello, HTTP heads) to userspace. */
const volatile bool capture_payload = true;
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

/* sock_addr programs: returning 1 lets the operation proceed, 0 fails it with EPERM. */
#define SOCK_ADDR_ALLOW 1
#define SOCK_ADDR_REFUSE 0

static __always_inline bool task_in_scope(void)
{
	return !filter_by_cgroup || bpf_current_task_under_cgroup(&scope_cgroup, 0) == 1;
}

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

/* --enforce's verdict on a destination. Every refusal is reported, repeats included: a
 * refused process usually gives up, and one that retries in a loop is worth seeing. */
static __always_inline __u8 judge(const struct destination *dst, __u32 kind, __u32 ringbuf_drop, __u64 cookie,
				  bool packet_program)
{
	__u8 verdict;

	if (!enforce)
		return EW_VERDICT_ALLOWED;
	verdict = enforce_verdict(dst);
	if (verdict != EW_VERDICT_ALLOWED)
		emit_sock_event(kind, ringbuf_drop, dst, cookie, verdict, packet_program);
	return verdict;
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

static __always_inline bool is_icmp(__u8 protocol)
{
	return protocol == EW_IPPROTO_ICMP || protocol == EW_IPPROTO_ICMPV6;
}

static __always_inline int record(struct bpf_sock_addr *ctx, __u16 family, __u32 kind)
{
	struct ew_flow_key key = {};
	struct destination dst = {};
	__u32 ringbuf_drop = kind == EW_EVENT_SEND ? EW_DROP_RINGBUF_SEND : EW_DROP_RINGBUF_CONNECT;
	__u8 verdict;
	/* Fetched once for the report, the datagram key and a connect's owner slot (only a
	 * repeated connect without payload capture needs none of them). */
	__u64 cookie;

	if (!acting_task_in_scope())
		return SOCK_ADDR_ALLOW;
	read_destination(ctx, family, &dst);
	/* A ping socket's connect: its echo requests are judged as they leave (icmp_echo_passes),
	 * connected or not, the same on every kernel. */
	if (is_icmp(dst.protocol))
		return SOCK_ADDR_ALLOW;
	cookie = bpf_get_socket_cookie(ctx);
	verdict = judge(&dst, kind, ringbuf_drop, cookie, false);
	if (verdict != EW_VERDICT_ALLOWED)
		return verdict == EW_VERDICT_BLOCKED ? SOCK_ADDR_REFUSE : SOCK_ADDR_ALLOW;

	flow_key_of(&key, &dst, kind, false);
	if (kind == EW_EVENT_SEND) {
		/* Datagrams are counted per socket; connects across sockets, so without it. */
		key.cookie = cookie;
		/* A repeat is on a socket this process already sent from, so already owned. */
		if (counted_as_repeat(&key))
			return SOCK_ADDR_ALLOW;
		if (capture_payload)
			own_socket(ctx, cookie, false);
	} else {
		/* Every connect is a new socket to own, repeat or not. */
		if (capture_payload)
			own_socket(ctx, cookie, true);
		if (dedup_connects && counted_as_repeat(&key))
			return SOCK_ADDR_ALLOW;
	}
	if (emit_sock_event(kind, ringbuf_drop, &dst, cookie, verdict, false))
		return SOCK_ADDR_ALLOW;
	return unrecorded_flow_may_pass(&key) ? SOCK_ADDR_ALLOW : SOCK_ADDR_REFUSE;
}

/*
 * An ICMP echo request from a ping socket (no privilege needed where ping_group_range is
 * open, systemd's default) or a raw one is egress like a datagram, counted per socket.
 * No sock_addr hook sees an unconnected ping socket's sendto, so the egress packet program
 * judges the request as it leaves; dropping it fails the send with EPERM. It runs in the
 * sending task, so the event names the process (read from its BTF: lib/emit.bpf.h). Only echo requests: other ICMP types
 * answer or report on traffic that was already judged.
 */
static __always_inline bool icmp_echo_passes(struct __sk_buff *skb)
{
	struct ew_flow_key key = {};
	struct destination dst = {};
	__u8 verdict;
	__u64 cookie;

	if (!read_icmp_echo(skb, &dst))
		return true;
	cookie = bpf_get_socket_cookie(skb);
	verdict = judge(&dst, EW_EVENT_SEND, EW_DROP_RINGBUF_SEND, cookie, true);
	if (verdict != EW_VERDICT_ALLOWED)
		return verdict != EW_VERDICT_BLOCKED;
	flow_key_of(&key, &dst, EW_EVENT_SEND, true);
	key.cookie = cookie;
	if (counted_as_repeat(&key))
		return true;
	if (emit_sock_event(EW_EVENT_SEND, EW_DROP_RINGBUF_SEND, &dst, cookie, verdict, true))
		return true;
	return unrecorded_flow_may_pass(&key);
}

SEC("cgroup/connect4")
int connect4_record(struct bpf_sock_addr *ctx)
{
	return record(ctx, EW_AF_INET, EW_EVENT_CONNECT);
}

SEC("cgroup/connect6")
int connect6_record(struct bpf_sock_addr *ctx)
{
	return record(ctx, EW_AF_INET6, EW_EVENT_CONNECT);
}

SEC("cgroup/sendmsg4")
int sendmsg4_record(struct bpf_sock_addr *ctx)
{
	return record(ctx, EW_AF_INET, EW_EVENT_SEND);
}

SEC("cgroup/sendmsg6")
int sendmsg6_record(struct bpf_sock_addr *ctx)
{
	return record(ctx, EW_AF_INET6, EW_EVENT_SEND);
}

SEC("cgroup/sock_release")
int sock_release_forget_owner(struct bpf_sock *ctx)
{
	if (ctx->type == SOCK_STREAM)
		forget_pending_owner(bpf_get_socket_cookie(ctx));
	return 1;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec_record, struct task_struct *task, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	struct ew_exec_event *e;
	unsigned long arg_start, arg_end;
	__u64 args_len;

	if (!task_in_scope())
		return 0;
	learn_scope_level(task);
	e = reserve_event(sizeof(*e), EW_EVENT_EXEC, EW_DROP_RINGBUF_EXEC);
	if (!e)
		return 0;

	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), BPF_CORE_READ(bprm, filename));
	bpf_probe_read_kernel_str(e->interp, sizeof(e->interp), BPF_CORE_READ(bprm, interp));

	/* argv sits on the new stack between arg_start and arg_end; exec has just written
	 * it, so it is resident. */
	arg_start = BPF_CORE_READ(task, mm, arg_start);
	arg_end = BPF_CORE_READ(task, mm, arg_end);
	args_len = arg_end > arg_start ? arg_end - arg_start : 0;
	e->args_truncated = args_len > EW_ARGS_LEN;
	if (args_len > EW_ARGS_LEN)
		args_len = EW_ARGS_LEN;
	e->args_len = 0;
	if (args_len > 0) {
		if (bpf_probe_read_user(e->args, args_len & (EW_ARGS_LEN * 2 - 1), (void *)arg_start) == 0)
			e->args_len = args_len;
		else
			count_drop(EW_DROP_ARGS_UNREADABLE);
	}
	submit_event(e, sizeof(*e));
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(sched_process_fork_record, struct task_struct *parent, struct task_struct *child)
{
	struct ew_fork_event *e;
	__u32 child_pid = BPF_CORE_READ(child, pid);
	__u32 child_tgid = BPF_CORE_READ(child, tgid);

	/* Threads share their process's identity: only new processes matter. */
	if (child_pid != child_tgid || !task_in_scope())
		return 0;
	e = reserve_event(sizeof(*e), EW_EVENT_FORK, EW_DROP_RINGBUF_FORK);
	if (!e)
		return 0;
	e->child_tgid = child_tgid;
	e->pad = 0;
	submit_event(e, sizeof(*e));
	return 0;
}

/* The exit of the process whose last thread `task` is, once: both exit programs end here. */
static __always_inline void report_exit(struct task_struct *task)
{
	struct ew_exit_event *e;

	if (!task_in_scope())
		return;
	e = reserve_event(sizeof(*e), EW_EVENT_EXIT, EW_DROP_RINGBUF_EXIT);
	if (!e)
		return;
	e->exit_code = BPF_CORE_READ(task, exit_code);
	e->pad = 0;
	submit_event(e, sizeof(*e));
}

/* Kernels whose tracepoint passes group_dead (6.16 and later): do_exit()'s own answer to
 * whether this thread was the group's last. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(process_exit_group_dead, struct task_struct *task, bool group_dead)
{
	if (group_dead)
		report_exit(task);
	return 0;
}

/* Processes whose exit was reported, for process_exit_live_count: keyed by the group
 * leader's start time as well, so a reused pid is a new process. Entries are needed only
 * for the microseconds in which a group's threads exit together, so LRU eviction is safe. */
struct exit_key {
	__u64 leader_start_ns;
	__u32 tgid;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct exit_key);
	__type(value, __u8);
} reported_exits SEC(".maps");

/* Kernels whose tracepoint passes only the task (6.1, 6.12). do_exit() takes each thread
 * off signal->live before this tracepoint, so a count of 0 means the group is dead. Threads
 * that exit together may all read 0: the first to record the process reports it. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(process_exit_live_count, struct task_struct *task)
{
	struct exit_key key = {};
	__u8 reported = 1;

	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	key.leader_start_ns = BPF_CORE_READ(task, group_leader, start_time);
	key.tgid = BPF_CORE_READ(task, tgid);
	if (bpf_map_update_elem(&reported_exits, &key, &reported, BPF_NOEXIST) != 0)
		return 0;
	report_exit(task);
	return 0;
}

/* Copies up to `limit` payload bytes of this packet to userspace; returns how many. */
static __always_inline __u32 emit_payload(struct __sk_buff *skb, const struct sock_owner *owner,
					  const struct packet_view *v, __u8 direction, __u8 flow_kind,
					  __u32 limit)
{
	struct ew_payload_event *e;
	__u32 n = v->payload_length;

	if (n > limit)
		n = limit;
	if (n > payload_packet_bytes)
		n = payload_packet_bytes;
	if (n == 0)
		return 0;
	/* Identity for 1..EW_PAYLOAD_MAX, in a form whose bounds the verifier can see. */
	n = ((n - 1) & (EW_PAYLOAD_MAX - 1)) + 1;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop(EW_DROP_RINGBUF_PAYLOAD);
		return 0;
	}
	if (bpf_skb_load_bytes(skb, v->payload_offset, e->data, n)) {
		bpf_ringbuf_discard(e, 0);
		return 0;
	}
	e->hdr.ts_ns = bpf_ktime_get_ns();
	e->hdr.cgroup_id = bpf_skb_cgroup_id(skb);
	e->hdr.type = EW_EVENT_PAYLOAD;
	e->hdr.tgid = owner->tgid;
	e->hdr.tid = owner->tid;
	e->hdr.uid = owner->uid;
	__builtin_memcpy(e->hdr.comm, owner->comm, sizeof(e->hdr.comm));
	e->cookie = bpf_get_socket_cookie(skb);
	__builtin_memcpy(e->addr, v->addr, sizeof(e->addr));
	e->tcp_seq = v->tcp_seq;
	e->length = v->payload_length;
	e->captured = n;
	e->port = v->port;
	e->family = v->family;
	e->protocol = v->protocol;
	e->direction = direction;
	e->flow_kind = flow_kind;
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	submit_event(e, sizeof(*e));
	return n;
}

/* Takes one HTTP head from the process's budget; false, after counting the head as lost,
 * if there is none left, and then, if refused_until is given, sets it to when the next
 * token is due. CPUs racing on one budget may misjudge a token or two, but each head is
 * either copied or counted. */
static __always_inline bool take_http_token(__u32 tgid, __u64 *refused_until)
{
	struct http_budget fresh = { .tokens = http_head_burst };
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
			*refused_until = http_heads_per_sec ? budget->refilled_ns +
								      (NSEC_PER_SEC + http_heads_per_sec - 1) / http_heads_per_sec
							    : ~0ULL;
		return false;
	}
	budget->tokens -= 1;
	return true;
}

/* take_http_token for a socket's packets. Once the budget is spent, a load test's heads
 * arrive far faster than tokens: the socket remembers when the next token is due, and
 * until then each head costs a clock read instead of the budget lookup. */
static __always_inline bool take_socket_http_token(struct sock_owner *owner)
{
	if (owner->heads_refused_until_ns && bpf_ktime_get_ns() < owner->heads_refused_until_ns) {
		count_drop(EW_DROP_HTTP_FLOW_BUDGET);
		return false;
	}
	return take_http_token(owner->tgid, &owner->heads_refused_until_ns);
}

/* Decides from a flow's first payload what it is; only egress decides, except that a
 * DNS answer may arrive before the query was seen. */
static __always_inline __u8 classify_flow(const struct packet_view *v, bool egress, const __u8 *head,
					  __u32 first4)
{
	if (v->port == EW_DNS_PORT)
		return EW_FLOW_DNS;
	if (!egress)
		return EW_FLOW_UNDECIDED;
	if (v->payload_length >= EW_TLS_RECORD_HEADER && starts_tls_handshake(head))
		return EW_FLOW_TLS;
	if (v->payload_length >= 4 && starts_http_request(first4))
		return EW_FLOW_HTTP;
	return EW_FLOW_OTHER;
}

static __always_inline void inspect(struct __sk_buff *skb, bool egress)
{
	struct packet_view v = {};
	struct sock_owner *owner;
	struct bpf_sock *sk;
	__u8 head[EW_PAYLOAD_HEAD] = {};
	__u8 direction = egress ? EW_DIR_EGRESS : EW_DIR_INGRESS;
	__u32 first4, copied;

	sk = skb->sk;
	if (!sk)
		return;
	sk = bpf_sk_fullsock(sk);
	if (!sk)
		return;
	owner = bpf_sk_storage_get(&sock_owners, sk, 0, 0);
	/* A flow is classified by its first egress payload, so only an egress packet needs a
	 * pending owner; a server's accepted sockets, which have none, stop here on ingress. */
	if (owner ? owner->done : !egress)
		return;
	if (!read_packet(skb, egress, &v))
		return;
	/* Only packets with payload look for a pending owner: most packets of a short
	 * connection have none. */
	if (!owner) {
		owner = adopt_pending_owner(skb, sk);
		if (!owner)
			return;
	}
	if (!read_payload_head(skb, &v, head))
		return;
	__builtin_memcpy(&first4, head, sizeof(first4));

	if (owner->flow_kind == EW_FLOW_UNDECIDED) {
		owner->flow_kind = classify_flow(&v, egress, head, first4);
		if (owner->flow_kind == EW_FLOW_TLS) {
			/* A ClientHello split over several records is longer than its first record. */
			__u32 record = EW_TLS_RECORD_HEADER + ((__u32)head[3] << 8 | head[4]);
			__u32 hello = EW_TLS_RECORD_HEADER + 4 + ((__u32)head[6] << 16 | (__u32)head[7] << 8 | head[8]);
			__u32 wanted = record > hello ? record : hello;

			owner->tls_wanted = wanted < payload_flow_bytes ? wanted : payload_flow_bytes;
		}
	}

	switch (owner->flow_kind) {
	case EW_FLOW_DNS:
		emit_payload(skb, owner, &v, direction, EW_FLOW_DNS, EW_PAYLOAD_MAX);
		break;
	case EW_FLOW_HTTP:
		/* Heads start packets; bodies in between are skipped with this one compare. */
		if (!(egress ? starts_http_request(first4) : starts_http_response(first4)))
			break;
		if (!take_socket_http_token(owner))
			break;
		emit_payload(skb, owner, &v, direction, EW_FLOW_HTTP, EW_PAYLOAD_MAX);
		break;
	case EW_FLOW_TLS:
		if (!egress)
			break;
		copied = emit_payload(skb, owner, &v, direction, EW_FLOW_TLS,
				      owner->tls_wanted > owner->tls_captured ? owner->tls_wanted - owner->tls_captured : 0);
		owner->tls_captured += copied;
		/* A lost copy ends inspection too: userspace sees the gap and says so. */
		if (owner->tls_captured >= owner->tls_wanted || copied == 0)
			owner->done = 1;
		break;
	case EW_FLOW_OTHER:
		emit_payload(skb, owner, &v, direction, EW_FLOW_OTHER, payload_flow_bytes);
		owner->done = 1;
		break;
	default:
		break;
	}
}

/* cgroup_skb programs: returning 1 lets the packet pass, 0 drops it (a local sender's
 * send fails with EPERM). */
#define SKB_PASS 1
#define SKB_DROP 0

SEC("cgroup_skb/egress")
int egress_capture(struct __sk_buff *skb)
{
	if (!icmp_echo_passes(skb))
		return SKB_DROP;
	if (enforce)
		learn_from_dns(skb, true);
	inspect(skb, true);
	return SKB_PASS;
}

SEC("cgroup_skb/ingress")
int ingress_capture(struct __sk_buff *skb)
{
	if (enforce)
		learn_from_dns(skb, false);
	inspect(skb, false);
	return SKB_PASS;
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
	call = bpf_task_storage_get(&tls_calls, bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
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

static __always_inline void emit_tls_data(const struct tls_call *call, const struct tls_session *session,
					  __u64 length, bool write, __u8 socket_source)
{
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
	e->session = call->session;
	e->cookie = socket_source == EW_TLS_SOCKET_UNKNOWN ? 0 : session->socket.cookie;
	__builtin_memcpy(e->addr, session->socket.addr, sizeof(e->addr));
	e->port = session->socket.port;
	e->family = session->socket.family;
	e->length = length > 0xffffffffULL ? 0xffffffff : length;
	e->captured = n;
	e->direction = write ? EW_DIR_EGRESS : EW_DIR_INGRESS;
	e->library = (call->op >> EW_TLS_OP_LIBRARY_SHIFT) & 0xff;
	e->socket = socket_source;
	e->flow_kind = session->flow_kind;
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	submit_event(e, sizeof(*e));
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
		if (!write)
			return;
		session->flow_kind = length >= 4 && starts_http_request(first4) ? EW_FLOW_HTTP : EW_FLOW_OTHER;
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
	socket_source = call->socket_seen		 ? EW_TLS_SOCKET_IN_CALL
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
