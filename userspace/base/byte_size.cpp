#include "base/byte_size.h"

#include <cctype>
#include <charconv>

namespace egresswatch {

std::optional<std::uint64_t> parse_byte_size(std::string_view text, std::string* why) {
    auto fail = [&](const char* reason) -> std::optional<std::uint64_t> {
        if (why) *why = reason;
        return std::nullopt;
    };
    std::uint64_t number = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc() || end == text.data()) return fail("it must start with a number");
    std::string unit(end, text.data() + text.size());
    for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (unit.ends_with("IB"))
        unit.resize(unit.size() - 2);
    else if (unit.size() == 2 && unit.back() == 'B')
        unit.resize(1);
    int shift = 0;
    if (unit.empty() || unit == "B")
        shift = 0;
    else if (unit == "K")
        shift = 10;
    else if (unit == "M")
        shift = 20;
    else if (unit == "G")
        shift = 30;
    else if (unit == "T")
        shift = 40;
    else
        return fail("the unit must be K, M, G or T");
    if (number == 0) return fail("it must be more than zero");
    if (number > (UINT64_MAX >> shift)) return fail("it is too large");
    return number << shift;
}

}  // namespace egresswatch
