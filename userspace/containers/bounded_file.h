#pragma once
// Reads a runtime's small state file without trusting it: a regular file only (a FIFO would
// block the caller), at most max_bytes, nullopt on any error. Never throws.

#include <cstddef>
#include <optional>
#include <string>

namespace egresswatch {

std::optional<std::string> read_bounded_file(const std::string& path, std::size_t max_bytes);

}  // namespace egresswatch
