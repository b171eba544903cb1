#include "system/tls_runtime.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "procfs/proc_maps.h"
#include "system/go_binary.h"

namespace egresswatch {

bool is_go_binary(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool go = false;
    if (elf_version(EV_CURRENT) != EV_NONE) {
        if (Elf* elf = elf_begin(fd, ELF_C_READ, nullptr)) {
            std::size_t names = 0;
            if (elf_kind(elf) == ELF_K_ELF && elf_getshdrstrndx(elf, &names) == 0) {
                for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn && !go; scn = elf_nextscn(elf, scn)) {
                    GElf_Shdr sh;
                    if (!gelf_getshdr(scn, &sh)) continue;
                    const char* name = elf_strptr(elf, names, sh.sh_name);
                    go = name && (std::strcmp(name, ".go.buildinfo") == 0 || std::strcmp(name, ".gopclntab") == 0);
                }
            }
            elf_end(elf);
        }
    }
    ::close(fd);
    return go;
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
    runtime.go = is_go_binary(dir + "/exe");
    if (runtime.go) runtime.go_probed = inspect_go_binary(dir + "/exe").tls.has_value();
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
        if (!exe_path.empty() && exe_path.front() == '/' && is_go_binary(exe_path)) {
            gone.known = gone.go = true;
            gone.go_probed = inspect_go_binary(exe_path).tls.has_value();
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
