#pragma once
// Turns ring buffer records and flow_dedup keys (include/egresswatch/abi.h) into typed events.

#include <cstddef>
#include <optional>

#include "pipeline/events.h"
#include "pipeline/kernel_counters.h"

namespace egresswatch {

// nullopt for a record that is too short or of an unknown type: the caller counts it,
// nothing here trusts the kernel to have sent what the header claims.
std::optional<KernelEvent> decode_event(const void* data, std::size_t size);

// A flow_dedup entry, by the same rules as the events it counts repeats of: nullopt for a
// family or kind this build does not know.
std::optional<FlowCount> decode_flow_count(const FlowCounter& counter);

}  // namespace egresswatch
