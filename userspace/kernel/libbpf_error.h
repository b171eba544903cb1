#pragma once
// libbpf and bpf(2) failures as the one-line errors egresswatch prints: what failed, why,
// and what to do about it.

#include <string>

namespace egresswatch {

// strerror of an errno or of a negative libbpf return.
std::string errno_text(int err);

// Throws SetupError("WHAT failed: REASON: HINT"), the hint chosen from the error.
[[noreturn]] void throw_bpf_error(const std::string& what, int err);

}  // namespace egresswatch
