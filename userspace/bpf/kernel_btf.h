#pragma once
// Facts about this kernel's hooks, read from its BTF before anything is loaded, so that the
// first load already picks the hooks the kernel has instead of failing and retrying.

#include "bpf/program_plan.h"

namespace egresswatch {

// Reads /sys/kernel/btf/vmlinux (about 10 ms). A kernel whose BTF cannot be read gets the
// most conservative facts; loading then says what is wrong.
KernelFacts read_kernel_facts();

}  // namespace egresswatch
