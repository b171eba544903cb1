#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace egresswatch {

// "1048576", "512K", "100M", "2G" (also "100MiB", "100MB": binary units, as disks are sold
// otherwise but logs are sized this way) -> bytes; nullopt for anything else or 0, with the
// reason in `why` if given.
std::optional<std::uint64_t> parse_byte_size(std::string_view text, std::string* why = nullptr);

}  // namespace egresswatch
