/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Reserving ring buffer records and counting what could not be reserved. */
#ifndef EGRESSWATCH_EMIT_BPF_H
#define EGRESSWATCH_EMIT_BPF_H

static __always_inline void count_drop(__u32 reason)
{
	__u64 *counter = bpf_map_lookup_elem(&drop_counters, &reason);

	if (counter)
		*counter += 1;
}

static __always_inline void fill_header(struct ew_event_header *hdr, __u32 type)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	hdr->ts_ns = bpf_ktime_get_ns();
	hdr->cgroup_id = bpf_get_current_cgroup_id();
	hdr->type = type;
	hdr->tgid = pid_tgid >> 32;
	hdr->tid = (__u32)pid_tgid;
	hdr->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(hdr->comm, sizeof(hdr->comm));
}

/* Returns a record with its header filled from the current task, or NULL after counting
 * the drop. A full ring buffer must never block or fail the traced operation. */
static __always_inline void *reserve_event(__u64 size, __u32 type, __u32 drop_reason)
{
	struct ew_event_header *hdr = bpf_ringbuf_reserve(&events, size, 0);

	if (!hdr) {
		count_drop(drop_reason);
		return NULL;
	}
	fill_header(hdr, type);
	return hdr;
}

/* Records that end in copied bytes (payload, TLS plaintext) are built here and then
 * copied to the ring buffer only as far as their data goes: reserving the full
 * EW_PAYLOAD_MAX would give a 40-byte request head a 1120-byte record. One per CPU is
 * enough, as programs do not preempt each other on a CPU while they run. */
union data_record {
	struct ew_payload_event payload;
	struct ew_tls_data_event tls;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, union data_record);
} data_scratch SEC(".maps");

static __always_inline union data_record *data_record_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&data_scratch, &zero);
}

/* Sends the first header_size + captured bytes of a record built in data_scratch; false
 * after counting the drop. */
static __always_inline bool submit_data_record(const void *record, __u64 header_size, __u32 captured,
					       __u32 drop_reason)
{
	if (bpf_ringbuf_output(&events, (void *)record, header_size + (captured & (EW_PAYLOAD_MAX * 2 - 1)), 0)) {
		count_drop(drop_reason);
		return false;
	}
	return true;
}

#endif
