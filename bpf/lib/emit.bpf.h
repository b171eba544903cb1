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

/* Once this much is waiting in the ring buffer, the record that crosses it wakes the
 * reader up. Set by the loader to a fraction of the ring. */
const volatile __u64 wakeup_bytes = 1 << 20;

/* Waking the reader for a record costs an inter-processor interrupt, which on a VM is an
 * exit costing more than ten times the program that sends the record. So records are sent
 * silently and userspace drains the ring every few milliseconds; only a burst that fills
 * the ring faster than that wakes it early. The record whose size carries the backlog past
 * wakeup_bytes wakes it once, not every record after it: if the reader is behind, it is
 * awake anyway. */
static __always_inline void submit_event(void *record, __u64 size)
{
	__u64 waiting = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);

	bpf_ringbuf_submit(record, waiting >= wakeup_bytes && waiting < wakeup_bytes + size ? BPF_RB_FORCE_WAKEUP
											    : BPF_RB_NO_WAKEUP);
}

/* Returns a record with its header filled from the current task, or NULL after counting
 * the drop. A full ring buffer must never block or fail the traced operation. */
static __always_inline void *reserve_event(__u64 size, __u32 type, __u32 drop_reason)
{
	struct ew_event_header *hdr = bpf_ringbuf_reserve(&events, size, 0);
	__u64 pid_tgid;

	if (!hdr) {
		count_drop(drop_reason);
		return NULL;
	}
	pid_tgid = bpf_get_current_pid_tgid();
	hdr->ts_ns = bpf_ktime_get_ns();
	hdr->cgroup_id = bpf_get_current_cgroup_id();
	hdr->type = type;
	hdr->tgid = pid_tgid >> 32;
	hdr->tid = (__u32)pid_tgid;
	hdr->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(hdr->comm, sizeof(hdr->comm));
	return hdr;
}

#endif
