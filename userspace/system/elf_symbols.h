#pragma once
// Where functions are in an ELF file, as the file offsets uprobes attach at.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace egresswatch {

// File offsets of those of 'wanted' that the file defines as functions (dynamic symbols
// first, then the full symbol table). nullopt if the file is not a readable ELF object.
std::optional<std::map<std::string, std::uint64_t>> find_functions(const std::string& path,
                                                                   const std::set<std::string>& wanted);

}  // namespace egresswatch
