#include "base/duration.h"

#include <charconv>

namespace egresswatch {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text, std::string* why) {
    auto refuse = [&](std::string reason) -> std::optional<std::chrono::milliseconds> {
        if (why) *why = std::move(reason);
        return std::nullopt;
    };
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (end == text.data()) return refuse("it must start with a whole number");
    if (ec != std::errc()) return refuse("the number is too large");
    std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
    std::uint64_t ms_per_unit;
    if (unit.empty() || unit == "s")
        ms_per_unit = 1000;
    else if (unit == "ms")
        ms_per_unit = 1;
    else if (unit == "m")
        ms_per_unit = 60'000;
    else if (unit == "h")
        ms_per_unit = 3'600'000;
    else if (unit == "d")
        ms_per_unit = 86'400'000;
    else
        return refuse("'" + std::string(unit) + "' is not a unit (use ms, s, m, h or d)");
    if (value == 0) return refuse("it must be more than zero");
    if (value > UINT64_MAX / ms_per_unit / 1000) return refuse("the number is too large");
    return std::chrono::milliseconds(value * ms_per_unit);
}

}  // namespace egresswatch
