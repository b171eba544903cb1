#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace egresswatch {

// "90", "90s", "500ms", "5m", "2h" -> duration; nullopt for anything else or <= 0.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace egresswatch
