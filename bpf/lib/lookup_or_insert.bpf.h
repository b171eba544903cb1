/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A hash map entry created on first use, safe against another CPU creating it first: the
 * HTTP head budgets (payload.bpf.h), TLS sessions (tls.bpf.h) and --enforce's learned
 * addresses (enforce.bpf.h). */
#ifndef EGRESSWATCH_LOOKUP_OR_INSERT_BPF_H
#define EGRESSWATCH_LOOKUP_OR_INSERT_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* The entry for key, inserted as `initial` if there was none; NULL if the map is full. */
static __always_inline void *lookup_or_insert(void *map, const void *key, const void *initial)
{
	void *value = bpf_map_lookup_elem(map, key);

	if (value)
		return value;
	/* Another CPU may insert first: either way, look up what is there. */
	bpf_map_update_elem(map, key, initial, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

#endif
