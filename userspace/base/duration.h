#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace egresswatch {

// "90", "90s", "500ms", "5m", "2h" -> duration; nullopt for anything else or <= 0, with the
// reason in `why` ("it must be more than zero") if given.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text, std::string* why = nullptr);

}  // namespace egresswatch
