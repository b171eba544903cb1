// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * egresswatch kernel side: who connects where, and the process lineage that lets
 * userspace name every process even after it has exited.
 *
 * One object, one feature per header in lib/. Each header includes what it uses and the
 * build compiles each alone (bpf/bpf.cmake), so the order of the includes below matters
 * only to the order of programs, maps and variables in the object.
 *
 * Socket hooks are cgroup programs. The connect and sendmsg programs are attached at the
 * cgroup root and check the acting task's cgroup (lib/acting_task.bpf.h); the packet
 * programs see only the cgroup they are attached to (the run's cgroup, a watched cgroup or
 * the root; a run that follows containers puts them at the root too, scoped per packet). The
 * sched tracepoints are global; when filter_by_cgroup is set they report only tasks under
 * scope_cgroup[0] and in cgroups the run follows (lib/followed_cgroups.bpf.h).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "lib/sock_addr.bpf.h"	       /* connect and sendmsg hooks */
#include "lib/owners.bpf.h"	       /* socket owners, sock_release */
#include "lib/process_lifecycle.bpf.h" /* exec, fork and exit */
#include "lib/cgroup_names.bpf.h"      /* the name of every cgroup made during the session */
#include "lib/capture.bpf.h"	       /* cgroup_skb: payload capture */
#include "lib/icmp.bpf.h"	       /* ICMP echo requests, judged in cgroup_skb egress */
#include "lib/enforce.bpf.h"	       /* --enforce: allowlist tables, DNS learning */
#include "lib/tls.bpf.h"	       /* TLS plaintext uprobes */
#include "lib/tls_go.bpf.h"	       /* Go crypto/tls uprobes */

char LICENSE[] SEC("license") = "Dual BSD/GPL";
