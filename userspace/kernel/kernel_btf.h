#pragma once
// Facts about this kernel's hooks, read from its BTF before anything is loaded, so that the
// first load already picks the hooks the kernel has instead of failing and retrying.

#include <cstdint>
#include <optional>
#include <string_view>

#include "kernel/program_plan.h"

namespace egresswatch {

// How many arguments each BTF-enabled tracepoint of interest passes (-1: no such tracepoint),
// from one pass over raw BTF. libbpf parses the same file again to load the programs; a full
// parse here too (btf__load_vmlinux_btf) made `run` start 15-20 ms later, reading and scanning
// it takes 1.4 ms on the development VM (6.18 lets the file be mapped) and 4.5 ms where it
// must be read. nullopt if `btf` is not BTF this code can read.
struct TracepointArity {
    int sched_process_exit = -1;
    int sock_send_length = -1;
    int sock_recv_length = -1;
};
std::optional<TracepointArity> scan_tracepoint_arity(std::string_view btf);

// Reads /sys/kernel/btf/vmlinux. A kernel whose BTF cannot be read gets the most
// conservative facts; loading then says what is wrong.
KernelFacts read_kernel_facts();

}  // namespace egresswatch
