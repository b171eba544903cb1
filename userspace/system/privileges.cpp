#include "system/privileges.h"

#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "base/errors.h"

namespace egresswatch {
namespace {

constexpr int kCapNetAdmin = 12;
constexpr int kCapSysAdmin = 21;
constexpr int kCapPerfmon = 38;
constexpr int kCapBpf = 39;

// The effective capability set, from /proc/self/status (no libcap needed).
std::uint64_t effective_capabilities() {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("CapEff:", 0) == 0) return std::stoull(line.substr(7), nullptr, 16);
    return 0;
}

}  // namespace

void require_root(const std::string& what) {
    // Loading BPF programs and creating cgroups needs CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN
    // and CAP_SYS_ADMIN in practice; root is the one way to have them all everywhere.
    if (::geteuid() != 0)
        throw SetupError("'egresswatch " + what + "' needs root to load BPF programs: run it with sudo");
}

bool has_bpf_privileges() {
    std::uint64_t caps = effective_capabilities();
    auto has = [caps](int cap) { return (caps >> cap) & 1; };
    return has(kCapNetAdmin) && (has(kCapSysAdmin) || (has(kCapBpf) && has(kCapPerfmon)));
}

}  // namespace egresswatch
