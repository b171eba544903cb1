#pragma once
// Turns ring buffer records (include/egresswatch/abi.h) into typed events.

#include <cstddef>
#include <optional>

#include "pipeline/events.h"

namespace egresswatch {

// nullopt for a record that is too short or of an unknown type: the caller counts it,
// nothing here trusts the kernel to have sent what the header claims.
std::optional<KernelEvent> decode_event(const void* data, std::size_t size);

}  // namespace egresswatch
