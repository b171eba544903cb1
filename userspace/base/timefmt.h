#pragma once
// Timestamps in every output: RFC 3339 UTC with microseconds, e.g. 2026-11-22T01:02:03.456789Z.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace egresswatch {

std::string format_timestamp(std::int64_t wall_ns);
std::optional<std::int64_t> parse_timestamp(std::string_view text);

}  // namespace egresswatch
