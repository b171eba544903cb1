#pragma once
// Go's function table (.gopclntab), which the runtime keeps for stack traces, so that a binary
// built with `-ldflags=-s -w` still has it: where its functions are. Pure logic over the
// section's bytes, which come from a file that may be hostile: every offset is checked.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace egresswatch {

struct GoAddressRange {
    std::uint64_t address = 0;  // virtual address of the first instruction
    std::uint64_t size = 0;     // up to the next function
};

// Whether the table is of Go 1.18 or later (its magic number), whose functions take their
// arguments in registers, as the probes read them. 1.16 and 1.17 share one magic number, so
// 1.17 is refused with 1.16.
bool go_pclntab_register_abi(const std::vector<std::uint8_t>& table);

// The functions named in `wanted` that the table has, or nullopt if it cannot be read.
// text_address: .text's address, for a position-independent binary whose table leaves its
// text start to the loader.
std::optional<std::map<std::string, GoAddressRange>> go_functions_in_pclntab(const std::vector<std::uint8_t>& table,
                                                                             std::uint64_t text_address,
                                                                             const std::set<std::string>& wanted);

}  // namespace egresswatch
