/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --enforce: the connect and sendmsg hooks refuse destinations the allowlist does not
 * allow. Address entries are load-time tables. Host entries allow the addresses that DNS
 * answers for their names gave to the observed processes: the cgroup_skb ingress program
 * reads each answer before the socket queues it, so an address is allowed before the
 * process that asked can read it, let alone connect (no race with userspace).
 *
 * An answer counts only from a trusted resolver (resolv.conf's nameservers and those given
 * with --resolver), on the socket that sent the query to it, with the same id, from port
 * 53. A port below 1024 is no proof: where ip_unprivileged_port_start is 0 (Docker's
 * default) any process can answer from port 53 of another local address. Forging the
 * trusted resolver's own address takes raw sockets, a privilege that could detach these
 * programs anyway.
 */
#ifndef EGRESSWATCH_ENFORCE_BPF_H
#define EGRESSWATCH_ENFORCE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#include "egresswatch/abi.h"
#include "destination.bpf.h" /* struct destination, emit_sock_event */
#include "emit.bpf.h"	     /* count_drop */
#include "lookup_or_insert.bpf.h"
#include "packet.bpf.h" /* read_packet, EW_DNS_PORT */

const volatile bool enforce = false;
/* What to do when enforcement state is incomplete (an allowed name's address could not be
 * stored or read): refuse (fail-closed), or let through and report it unverified. */
const volatile bool enforce_fail_open = false;
const volatile struct ew_port_rule enforce_port_rules[EW_ENFORCE_PORT_RULES] = {};
/* How many of enforce_port_rules the plan uses: the rule walk stops there. */
const volatile __u32 enforce_port_rule_count = EW_ENFORCE_PORT_RULES;

/* Set once an allowed name's answer was lost: from then on fail-open cannot tell an
 * unknown address from an allowed one it never learned. */
__u32 enforce_degraded = 0;

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 4096);
	__type(key, struct ew_network_key);
	__type(value, struct ew_rule_set);
} enforce_networks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 4096);
	__type(key, struct ew_name_key);
	__type(value, struct ew_rule_set);
} enforce_names SEC(".maps");

/* Not LRU: evicting an allowed address would refuse a destination the allowlist allows.
 * Full is counted (EW_DROP_ENFORCE_LEARNED_FULL) and handled by the enforce mode. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct ew_learned_key);
	__type(value, struct ew_rule_set);
} enforce_learned SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct ew_exe_key);
	__type(value, __u8);
} enforce_exes SEC(".maps");

/* The resolvers whose answers teach addresses, in the form of ew_learned_key. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, struct ew_learned_key);
	__type(value, __u8);
} enforce_resolvers SEC(".maps");

/* An unanswered query is simply evicted: its late answer then teaches nothing. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct ew_dns_query_key);
	__type(value, __u8);
} dns_queries SEC(".maps");

struct dns_scratch {
	__u8 wire[EW_ENFORCE_NAME_LEN]; /* the question's name as it came */
	struct ew_name_key key;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dns_scratch);
} dns_scratches SEC(".maps");

#define EW_DNS_HEADER	     12
#define EW_DNS_FLAG_RESPONSE 0x8000
#define EW_DNS_RCODE_MASK    0x000f
#define EW_DNS_TYPE_A	     1
#define EW_DNS_TYPE_AAAA     28
#define EW_DNS_CLASS_IN	     1
/* Answers read per response; a resolver returns a CNAME chain and a few addresses. */
#define EW_DNS_MAX_ANSWERS 24
#define EW_DNS_MAX_LABELS  64

/* The one form every enforcement table uses (see ew_network_key). */
static __always_inline void enforce_address_of(const __u8 *addr, __u16 family, __u8 *tag, __u8 *out)
{
	__u32 w0, w1, w2;

	__builtin_memset(out, 0, 16);
	if (family == EW_AF_INET) {
		*tag = EW_ENFORCE_FAMILY_V4;
		__builtin_memcpy(out, addr, 4);
		return;
	}
	/* An IPv4 address holds only its first four bytes: the rest is read for IPv6 only. */
	__builtin_memcpy(&w0, addr, 4);
	__builtin_memcpy(&w1, addr + 4, 4);
	__builtin_memcpy(&w2, addr + 8, 4);
	if (w0 == 0 && w1 == 0 && w2 == bpf_htonl(0x0000ffff)) {
		*tag = EW_ENFORCE_FAMILY_V4;
		__builtin_memcpy(out, addr + 12, 4);
	} else {
		*tag = EW_ENFORCE_FAMILY_V6;
		__builtin_memcpy(out, addr, 16);
	}
}

/* The executable of the current task, looked up once per verdict and only if a rule
 * names processes. */
struct exe_identity {
	__u64 ino;
	__u32 dev;
	bool known;
};

static __always_inline bool exe_in_set(struct exe_identity *exe, __u16 exe_set)
{
	struct ew_exe_key key = {};

	if (!exe->known) {
		struct task_struct *task = bpf_get_current_task_btf();
		struct file *file = BPF_CORE_READ(task, mm, exe_file);

		exe->known = true;
		if (file) {
			exe->ino = BPF_CORE_READ(file, f_inode, i_ino);
			exe->dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev);
		}
	}
	if (!exe->ino)
		return false;
	key.ino = exe->ino;
	key.dev = exe->dev;
	key.exe_set = exe_set;
	return bpf_map_lookup_elem(&enforce_exes, &key) != NULL;
}

/* One rule set checked against one connect or datagram. The rules are walked in a bpf_loop
 * callback, verified once: as a plain loop over the rule bits, with the rules' values known to
 * the verifier (read-only data), each iteration was verified anew, and an allowlist with more
 * than 12 distinct port rules exceeded the verifier's budget of a million instructions. */
struct rules_walk {
	const struct ew_rule_set *set;
	struct exe_identity exe;
	__u16 port;
	__u8 protocol_bit;
	bool allowed;
};

static long check_port_rule(__u64 index, void *ctx)
{
	struct rules_walk *walk = ctx;
	__u32 i = index & (EW_ENFORCE_PORT_RULES - 1);
	const volatile struct ew_port_rule *rule;

	if (!(walk->set->bits[(i / 64) & (EW_ENFORCE_PORT_RULES / 64 - 1)] >> (i % 64) & 1))
		return 0;
	rule = &enforce_port_rules[i];
	if (!(rule->protocols & walk->protocol_bit) || walk->port < rule->first || walk->port > rule->last)
		return 0;
	if (rule->exe_set && !exe_in_set(&walk->exe, rule->exe_set))
		return 0;
	walk->allowed = true;
	return 1;
}

static __always_inline bool rules_allow(struct rules_walk *walk, const struct ew_rule_set *set)
{
	walk->set = set;
	walk->allowed = false;
	bpf_loop(enforce_port_rule_count, check_port_rule, walk, 0);
	return walk->allowed;
}

static __always_inline __u8 enforce_protocol_bit(__u8 protocol)
{
	if (protocol == EW_IPPROTO_TCP)
		return EW_ENFORCE_PROTO_TCP;
	if (protocol == EW_IPPROTO_UDP)
		return EW_ENFORCE_PROTO_UDP;
	if (protocol == EW_IPPROTO_ICMP)
		return EW_ENFORCE_PROTO_ICMP;
	if (protocol == EW_IPPROTO_ICMPV6)
		return EW_ENFORCE_PROTO_ICMPV6;
	return EW_ENFORCE_PROTO_OTHER;
}

static __always_inline __u8 enforce_verdict(const struct destination *dst)
{
	struct ew_network_key network = {.prefixlen = 8 + 128};
	struct ew_learned_key learned = {};
	struct rules_walk walk = {};
	struct ew_rule_set *set;

	walk.port = dst->port;
	walk.protocol_bit = enforce_protocol_bit(dst->protocol);
	enforce_address_of(dst->addr, dst->family, &network.family, network.addr);
	set = bpf_map_lookup_elem(&enforce_networks, &network);
	if (set && rules_allow(&walk, set))
		return EW_VERDICT_ALLOWED;
	learned.family = network.family;
	__builtin_memcpy(learned.addr, network.addr, sizeof(learned.addr));
	set = bpf_map_lookup_elem(&enforce_learned, &learned);
	if (set && rules_allow(&walk, set))
		return EW_VERDICT_ALLOWED;
	if (enforce_fail_open && enforce_degraded)
		return EW_VERDICT_UNVERIFIED;
	return EW_VERDICT_BLOCKED;
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

static __always_inline void enforcement_incomplete(__u32 reason)
{
	count_drop(reason);
	enforce_degraded = 1;
}

static __always_inline void learn_address(const __u8 *addr, __u16 family, const struct ew_rule_set *rules)
{
	struct ew_learned_key key = {};
	struct ew_rule_set *known;

	enforce_address_of(addr, family, &key.family, key.addr);
	known = lookup_or_insert(&enforce_learned, &key, rules);
	if (!known) {
		enforcement_incomplete(EW_DROP_ENFORCE_LEARNED_FULL);
		return;
	}
	/* An address two allowed names share is allowed on the rules of both. */
	for (__u32 word = 0; word < EW_ENFORCE_PORT_RULES / 64; word++)
		if (rules->bits[word] & ~known->bits[word])
			__sync_fetch_and_or(&known->bits[word], rules->bits[word]);
}

/*
 * DNS parsing runs in bpf_loop callbacks: each is verified once, where plain loops over
 * 255 name bytes and 24 records of up to 64 labels each would be verified once per
 * iteration and exceed the verifier's budget.
 */

/* Where the question's name ends (its zero length byte); stops early on a bad length. */
struct name_end_walk {
	__u32 available;
	__u32 end;
	bool ok;
};

static long find_name_end(__u64 index, void *ctx)
{
	struct name_end_walk *walk = ctx;
	__u32 zero = 0;
	struct dns_scratch *scratch = bpf_map_lookup_elem(&dns_scratches, &zero);
	__u8 length;

	if (!scratch || walk->end >= walk->available)
		return 1;
	length = scratch->wire[walk->end & (EW_ENFORCE_NAME_LEN - 1)];
	if (length == 0) {
		walk->ok = true;
		return 1;
	}
	if (length > 63)
		return 1;
	walk->end += length + 1;
	return 0;
}

/* Byte i of the wire lands at end - 1 - i of the key, length bytes becoming dots. */
struct name_reversal {
	__u32 end;
	__u32 next_label;
	bool bad;
};

static long reverse_name_byte(__u64 index, void *ctx)
{
	struct name_reversal *rev = ctx;
	__u32 zero = 0, i = index + 1;
	struct dns_scratch *scratch = bpf_map_lookup_elem(&dns_scratches, &zero);
	__u8 c;

	if (!scratch || i >= rev->end)
		return 1;
	c = scratch->wire[i & (EW_ENFORCE_NAME_LEN - 1)];
	if (i == rev->next_label) {
		rev->next_label = i + c + 1;
		c = '.';
	} else if (c == '.' || c == 0) {
		/* A dot inside a label would let a name pose as another. */
		rev->bad = true;
		return 1;
	} else if (c >= 'A' && c <= 'Z') {
		c += 'a' - 'A';
	}
	scratch->key.name[(rev->end - 1 - i) & (EW_ENFORCE_NAME_LEN - 1)] = c;
	return 0;
}

/* The query's name, reversed into scratch->key; returns the offset just past the
 * question, or 0 if the name is not one enforcement can match. */
static __always_inline __u32 read_question_name(struct __sk_buff *skb, __u32 message, __u32 message_length,
						struct dns_scratch *scratch)
{
	struct name_end_walk walk = {};
	struct name_reversal rev = {};
	__u32 available;

	if (message_length <= EW_DNS_HEADER)
		return 0;
	available = message_length - EW_DNS_HEADER;
	if (available > EW_ENFORCE_NAME_LEN)
		available = EW_ENFORCE_NAME_LEN;
	/* Identity for 1..EW_ENFORCE_NAME_LEN, in a form whose bounds the verifier can see. */
	available = ((available - 1) & (EW_ENFORCE_NAME_LEN - 1)) + 1;
	if (bpf_skb_load_bytes(skb, message + EW_DNS_HEADER, scratch->wire, available))
		return 0;
	walk.available = available;
	bpf_loop(EW_DNS_MAX_LABELS, find_name_end, &walk, 0);
	if (!walk.ok || walk.end == 0 || walk.end >= EW_ENFORCE_NAME_LEN - 1)
		return 0;

	__builtin_memset(scratch->key.name, 0, sizeof(scratch->key.name));
	rev.end = walk.end;
	rev.next_label = scratch->wire[0] + 1;
	bpf_loop(EW_ENFORCE_NAME_LEN, reverse_name_byte, &rev, 0);
	if (rev.bad)
		return 0;
	/* The text and its terminating NUL: exact entries end in it, wildcards stop short. */
	scratch->key.prefixlen = walk.end * 8;
	return EW_DNS_HEADER + walk.end + 1 + 4;
}

struct dns_record_fixed {
	__be16 type;
	__be16 class;
	__be32 ttl;
	__be16 rdlength;
} __attribute__((packed));

struct answer_walk {
	struct __sk_buff *skb;
	__u32 message;
	__u32 offset;
	__u32 answers;
	struct ew_rule_set rules;
};

/* Skips a name in an answer record: labels, then a zero byte or a compression pointer. */
static __always_inline __u32 skip_name(struct __sk_buff *skb, __u32 message, __u32 offset)
{
	for (__u32 i = 0; i < EW_DNS_MAX_LABELS; i++) {
		__u8 length;

		if (bpf_skb_load_bytes(skb, message + offset, &length, 1))
			return 0;
		if (length == 0)
			return offset + 1;
		if ((length & 0xc0) == 0xc0)
			return offset + 2;
		offset += length + 1;
	}
	return 0;
}

/* One answer record: every A and AAAA counts, CNAME targets' included, since the
 * resolver gave them as the answer to that question. */
static long learn_answer(__u64 index, void *ctx)
{
	struct answer_walk *walk = ctx;
	struct dns_record_fixed fixed;
	__u8 addr[16];
	__u16 type, length;
	__u32 offset;

	if (index >= walk->answers)
		return 1;
	offset = skip_name(walk->skb, walk->message, walk->offset);
	if (!offset || bpf_skb_load_bytes(walk->skb, walk->message + offset, &fixed, sizeof(fixed))) {
		enforcement_incomplete(EW_DROP_ENFORCE_DNS_UNREAD);
		return 1;
	}
	offset += sizeof(fixed);
	type = bpf_ntohs(fixed.type);
	length = bpf_ntohs(fixed.rdlength);
	if (bpf_ntohs(fixed.class) == EW_DNS_CLASS_IN) {
		if (type == EW_DNS_TYPE_A && length == 4) {
			if (bpf_skb_load_bytes(walk->skb, walk->message + offset, addr, 4) == 0)
				learn_address(addr, EW_AF_INET, &walk->rules);
		} else if (type == EW_DNS_TYPE_AAAA && length == 16) {
			if (bpf_skb_load_bytes(walk->skb, walk->message + offset, addr, 16) == 0)
				learn_address(addr, EW_AF_INET6, &walk->rules);
		}
	}
	walk->offset = offset + length;
	return 0;
}

static __always_inline void learn_answers(struct __sk_buff *skb, __u32 message, __u32 offset, __u16 answers,
					  const struct ew_rule_set *rules)
{
	struct answer_walk walk = {.skb = skb, .message = message, .offset = offset, .answers = answers};

	if (answers > EW_DNS_MAX_ANSWERS) {
		enforcement_incomplete(EW_DROP_ENFORCE_DNS_UNREAD);
		walk.answers = EW_DNS_MAX_ANSWERS;
	}
	__builtin_memcpy(&walk.rules, rules, sizeof(walk.rules));
	bpf_loop(EW_DNS_MAX_ANSWERS, learn_answer, &walk, 0);
}

/* UDP DNS on an observed socket: queries are remembered, and answers to them teach the
 * addresses of allowed names. DNS over TCP is not read (glibc uses it only for answers
 * too large for UDP): its addresses stay unknown, so connects to them are refused. */
static __always_inline void learn_from_dns(struct __sk_buff *skb, bool egress)
{
	struct packet_view v = {};
	struct ew_dns_query_key query = {};
	struct ew_learned_key resolver = {};
	struct dns_scratch *scratch;
	struct ew_rule_set *rules;
	__u16 header[6];
	__u32 zero = 0, offset;
	__u8 pending = 1;

	if (!read_packet(skb, egress, &v) || v.protocol != EW_IPPROTO_UDP || v.port != EW_DNS_PORT ||
	    v.payload_length < EW_DNS_HEADER)
		return;
	/* The resolver is the remote end either way: where a query goes, where an answer
	 * comes from. */
	enforce_address_of(v.addr, v.family, &resolver.family, resolver.addr);
	if (!bpf_map_lookup_elem(&enforce_resolvers, &resolver))
		return;
	if (bpf_skb_load_bytes(skb, v.payload_offset, header, sizeof(header)))
		return;
	query.cookie = bpf_get_socket_cookie(skb);
	query.id = header[0];
	if (egress) {
		if (!(bpf_ntohs(header[1]) & EW_DNS_FLAG_RESPONSE))
			bpf_map_update_elem(&dns_queries, &query, &pending, BPF_ANY);
		return;
	}
	if (!(bpf_ntohs(header[1]) & EW_DNS_FLAG_RESPONSE) || (bpf_ntohs(header[1]) & EW_DNS_RCODE_MASK) ||
	    bpf_ntohs(header[2]) != 1 || !bpf_map_lookup_elem(&dns_queries, &query))
		return;
	/* An answer counts once: a duplicate sent after it must bring its own query. */
	bpf_map_delete_elem(&dns_queries, &query);
	scratch = bpf_map_lookup_elem(&dns_scratches, &zero);
	if (!scratch)
		return;
	offset = read_question_name(skb, v.payload_offset, v.payload_length, scratch);
	if (!offset)
		return;
	rules = bpf_map_lookup_elem(&enforce_names, &scratch->key);
	if (!rules)
		return;
	learn_answers(skb, v.payload_offset, offset, bpf_ntohs(header[3]), rules);
}

#endif
