#include "system/tls_runtime.h"

#include <filesystem>

#include "procfs/proc_maps.h"
#include "system/go_binary.h"

namespace egresswatch {

// One read of the file's sections says both whether it is Go and whether it can be probed.
static void read_go(const std::string& path, TlsRuntime& runtime) {
    GoInspection go = inspect_go_binary(path);
    runtime.go = go.go;
    runtime.go_probed = go.tls.has_value();
}

TlsRuntime read_tls_runtime(const std::string& proc_root, std::uint32_t pid) {
    TlsRuntime runtime;
    std::string dir = proc_root + "/" + std::to_string(pid);
    std::error_code ec;
    auto exe = std::filesystem::read_symlink(dir + "/exe", ec);
    if (ec) return runtime;
    runtime.exe = exe.string();
    for (const MappedFile& file : read_executable_mappings(proc_root, pid)) runtime.mapped.push_back(file.path);
    // Through /proc/PID/exe: the process's own file, even in another mount namespace.
    read_go(dir + "/exe", runtime);
    runtime.known = true;
    return runtime;
}

std::string TlsReasons::reason(std::uint32_t pid, const std::string& exe_path) {
    std::error_code ec;
    // The exe says whether the pid still runs the program it was read for (exec, pid reuse).
    auto exe = std::filesystem::read_symlink(proc_root_ + "/" + std::to_string(pid) + "/exe", ec);
    if (ec) {
        // Gone (a short-lived client often is, by the time its ClientHello is read): its file
        // still says whether it is Go; what it mapped is not known any more.
        TlsRuntime gone;
        if (!exe_path.empty() && exe_path.front() == '/') {
            read_go(exe_path, gone);
            gone.known = gone.go;
        }
        return tls_not_visible_reason(gone);
    }
    if (auto it = known_.find(pid); it != known_.end() && it->second.exe == exe.string()) return it->second.reason;
    constexpr std::size_t kMaxProcesses = 4096;
    if (known_.size() >= kMaxProcesses) known_.clear();
    std::string reason = tls_not_visible_reason(read_tls_runtime(proc_root_, pid));
    known_[pid] = {exe.string(), reason};
    return reason;
}

}  // namespace egresswatch
