/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Reserving ring buffer records and counting what could not be reserved. */
#ifndef EGRESSWATCH_EMIT_BPF_H
#define EGRESSWATCH_EMIT_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "egresswatch/abi.h"

/* Every record for userspace. The size is a default: the loader resizes it from a
 * command-line flag before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
} events SEC(".maps");

/* Per-CPU so that counting a drop never contends; userspace sums the CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EW_DROP__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} drop_counters SEC(".maps");

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

	bpf_ringbuf_submit(record, waiting >= wakeup_bytes && waiting < wakeup_bytes + size
					   ? BPF_RB_FORCE_WAKEUP
					   : BPF_RB_NO_WAKEUP);
}

/* The process that sends a packet, in a cgroup_skb program: stock kernels (6.1, 6.12) give
 * those no current-task helpers but bpf_get_current_task_btf, so it is read from there. */
static __always_inline void fill_header_in_packet_program(struct ew_event_header *hdr, __u32 type)
{
	struct task_struct *task = bpf_get_current_task_btf();

	hdr->ts_ns = bpf_ktime_get_ns();
	hdr->cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	hdr->type = type;
	hdr->tgid = BPF_CORE_READ(task, tgid);
	hdr->tid = BPF_CORE_READ(task, pid);
	hdr->uid = BPF_CORE_READ(task, cred, uid.val);
	bpf_core_read_str(hdr->comm, sizeof(hdr->comm), &task->comm);
}

/* The header of a record from the current task, in any program but a packet program. */
static __always_inline void fill_header_from_current(struct ew_event_header *hdr, __u32 type)
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

/* The acting process's id, by the helper or, in a cgroup_skb program, from its BTF. */
static __always_inline __u32 current_tgid(bool packet_program)
{
	if (packet_program)
		return BPF_CORE_READ(bpf_get_current_task_btf(), tgid);
	return bpf_get_current_pid_tgid() >> 32;
}

/* Returns a record with its header filled from the current task, or NULL after counting
 * the drop. A full ring buffer must never block or fail the traced operation. */
static __always_inline void *reserve_event_as(__u64 size, __u32 type, __u32 drop_reason, bool packet_program)
{
	struct ew_event_header *hdr = bpf_ringbuf_reserve(&events, size, 0);

	if (!hdr) {
		count_drop(drop_reason);
		return NULL;
	}
	if (packet_program)
		fill_header_in_packet_program(hdr, type);
	else
		fill_header_from_current(hdr, type);
	return hdr;
}

static __always_inline void *reserve_event(__u64 size, __u32 type, __u32 drop_reason)
{
	return reserve_event_as(size, type, drop_reason, false);
}

#endif
