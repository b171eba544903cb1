#pragma once
// Reads what protocols/tls/coverage.h judges a process's TLS by: its executable (a Go binary
// or not) and the files it maps.

#include <cstdint>
#include <string>
#include <unordered_map>

#include "protocols/tls/coverage.h"

namespace egresswatch {

// The process's TlsRuntime, from proc_root/PID; known is false if it is gone.
TlsRuntime read_tls_runtime(const std::string& proc_root, std::uint32_t pid);

// tls_not_visible_reason() of processes, read once per process and program: a process makes
// many connections, and reading its maps and ELF sections costs about a millisecond.
class TlsReasons {
public:
    explicit TlsReasons(std::string proc_root = "/proc") : proc_root_(std::move(proc_root)) {}
    // exe: where the program is on this host, for a process that is gone: a Go binary is still
    // known by its file.
    std::string reason(std::uint32_t pid, const std::string& exe);

private:
    struct Known {
        std::string exe;
        std::string reason;
    };
    std::string proc_root_;
    std::unordered_map<std::uint32_t, Known> known_;
};

}  // namespace egresswatch
