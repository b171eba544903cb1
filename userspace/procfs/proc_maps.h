#pragma once
// The files a process has mapped executable, from /proc/PID/maps: where its TLS
// libraries (and an executable with TLS linked in) are.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace egresswatch {

struct MappedFile {
    std::string path;          // as the process sees it (its mount namespace)
    std::uint64_t device = 0;  // makedev(major, minor)
    std::uint64_t inode = 0;
    auto operator<=>(const MappedFile&) const = default;
};

// Executable file mappings in a maps text, each file once, in order of first appearance.
// Anonymous, deleted and pseudo mappings ([vdso], memfd:) are left out.
std::vector<MappedFile> executable_mappings(std::string_view maps_text);

// The same for a live process under a procfs root; empty if it is gone.
std::vector<MappedFile> read_executable_mappings(const std::string& proc_root, std::uint32_t pid);

}  // namespace egresswatch
