#pragma once
// Writes an EnforcePlan into the BPF object: the port rules and table sizes before load
// (they are load-time constants), the tables after.

#include <cstdint>

struct egresswatch_bpf;

namespace egresswatch {

struct EnforcePlan;

// Before egresswatch_bpf__load. Throws SetupError.
void prepare_enforcement(egresswatch_bpf* skel, const EnforcePlan& plan, bool fail_open, std::uint32_t learned_entries);
// After load, before any program is attached. Throws SetupError.
void fill_enforcement(egresswatch_bpf* skel, const EnforcePlan& plan);

}  // namespace egresswatch
