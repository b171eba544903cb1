#include "kernel/features.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>

#include "kernel/libbpf_error.h"
#include "kernel/libbpf_log.h"
#include "kernel/uprobe_links.h"
#include "probes.skel.h"
#include "procfs/mounts.h"
#include "system/cgroup.h"

// A function in this binary for the uprobe probe to attach to.
extern "C" __attribute__((noinline, used)) void egresswatch_uprobe_target() { asm volatile(""); }

namespace egresswatch {
namespace {

struct ProbeSpec {
    const char* feature;
    const char* program;
    bool required;
    const char* use;
};

const ProbeSpec kAtomics = {"bpf atomics", "atomics_probe", true,
                            "compare-and-exchange in the socket hooks (Linux 5.12+)"};

const ProbeSpec kProgramProbes[] = {
    {"cgroup/connect4", "cgroup_sock_addr_probe", true, "connect() destinations (TCP, connected UDP)"},
    kAtomics,
    {"tp_btf", "tp_btf_probe", true, "process lineage: sched_process_exec/fork/exit"},
    {"cgroup_skb", "cgroup_skb_probe", false, "first payload bytes of a flow"},
    {"cgroup/sock_release", "cgroup_sock_release_probe", false,
     "socket owners allocated only for connections that carry payload"},
    {"uprobe", "uprobe_probe", false, "TLS library plaintext"},
    {"uprobe_multi", "uprobe_probe", false,
     "TLS uprobes as one link per library and program: removed behind one grace period, not one per function"},
    {"fentry", "fentry_probe", false,
     "joins TLS calls to their sockets where the kernel lacks the sock_send_length tracepoint (Linux < 6.2)"},
    {"kprobe", "kprobe_probe", false, "the same, where fentry is missing too"},
    {"tracepoint", "tracepoint_probe", false, "not used (syscall tracepoints, need tracefs)"},
    {"lsm", "lsm_probe", false, "not used"},
};

struct ProbesDeleter {
    void operator()(probes_bpf* skel) const { probes_bpf__destroy(skel); }
};

std::string own_exe() {
    std::error_code ec;
    auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::string() : p.string();
}

// The file offset of egresswatch_uprobe_target, found from its address and the mapping that
// holds it: a stripped egresswatch has no symbol table to look the name up in.
std::optional<std::size_t> uprobe_target_offset() {
    auto address = reinterpret_cast<std::uintptr_t>(&egresswatch_uprobe_target);
    std::ifstream maps("/proc/self/maps");
    for (std::string line; std::getline(maps, line);) {
        std::uintptr_t start = 0, end = 0;
        unsigned long long offset = 0;
        char perms[8] = {};
        if (std::sscanf(line.c_str(), "%lx-%lx %7s %llx", &start, &end, perms, &offset) != 4) continue;
        if (address >= start && address < end && perms[2] == 'x') return address - start + offset;
    }
    return std::nullopt;
}

// Loads the one program named and, unless load_only, attaches it where it belongs. Returns
// an error text, or nullopt on success.
std::optional<std::string> probe_hook(const ProbeSpec& spec, int cgroup_fd, bool load_only = false) {
    std::unique_ptr<probes_bpf, ProbesDeleter> skel(probes_bpf__open());
    if (!skel) return "cannot open probe object: " + errno_text(errno);
    bpf_program* target = nullptr;
    bpf_program* prog;
    bpf_object__for_each_program(prog, skel->obj) {
        bool wanted = std::strcmp(bpf_program__name(prog), spec.program) == 0;
        bpf_program__set_autoload(prog, wanted);
        if (wanted) target = prog;
    }
    if (!target) return std::string("probe program missing: ") + spec.program;
    bool multi = std::strcmp(spec.feature, "uprobe_multi") == 0;
    if (multi) bpf_program__set_expected_attach_type(target, static_cast<bpf_attach_type>(kAttachUprobeMulti));
    if (int err = probes_bpf__load(skel.get())) return "load failed: " + errno_text(err);
    if (load_only) return std::nullopt;
    if (multi) {
        // A directory is refused only after the kernel has accepted the program and the
        // link type: no uprobe is created, so none has to be removed behind a grace period
        // (as a real one would, adding 100 ms to every start). Older kernels refuse the
        // link type with EINVAL.
        int err = create_uprobe_multi_link(bpf_program__fd(target), "/", {UprobeSite{}}, false);
        if (err >= 0) ::close(err);
        return err == -EBADF || err >= 0 ? std::nullopt
                                         : std::optional<std::string>("needs Linux 6.6+: " + errno_text(err));
    }

    bpf_link* link = nullptr;
    enum bpf_prog_type type = bpf_program__type(target);
    if (type == BPF_PROG_TYPE_CGROUP_SOCK_ADDR || type == BPF_PROG_TYPE_CGROUP_SKB ||
        type == BPF_PROG_TYPE_CGROUP_SOCK) {
        if (cgroup_fd < 0) return "no cgroup v2 to attach to";
        link = bpf_program__attach_cgroup(target, cgroup_fd);
    } else if (type == BPF_PROG_TYPE_KPROBE && std::strcmp(spec.program, "uprobe_probe") == 0) {
        std::optional<std::size_t> offset = uprobe_target_offset();
        if (!offset) return "egresswatch's own code is not in /proc/self/maps";
        link = bpf_program__attach_uprobe_opts(target, getpid(), own_exe().c_str(), *offset, nullptr);
    } else {
        link = bpf_program__attach(target);
    }
    if (!link) return "attach failed: " + errno_text(errno);
    bpf_link__destroy(link);
    return std::nullopt;
}

KernelFeatures run_probes(const std::string& cgroup_path) {
    QuietLibbpf quiet;
    KernelFeatures f;
    bool btf = ::access("/sys/kernel/btf/vmlinux", R_OK) == 0;
    f.probes.push_back(
        {"btf", btf,
         btf ? "/sys/kernel/btf/vmlinux" : "no /sys/kernel/btf/vmlinux: kernel needs CONFIG_DEBUG_INFO_BTF=y", true});

    std::ifstream mounts("/proc/self/mounts");
    auto cg2 = find_cgroup2_mount(mounts);
    f.probes.push_back({"cgroup2", cg2.has_value(), cg2 ? *cg2 : "not mounted", true});

    bool ringbuf = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, nullptr) == 1;
    f.probes.push_back(
        {"ringbuf", ringbuf, ringbuf ? "event transport" : "BPF_MAP_TYPE_RINGBUF needs Linux 5.8+", true});

    bool tracefs = ::access("/sys/kernel/tracing/events", F_OK) == 0;
    f.probes.push_back(
        {"tracefs", tracefs, tracefs ? "/sys/kernel/tracing" : "not mounted (tp_btf needs no tracefs)", false});

    int cgroup_fd = cgroup_path.empty() ? -1 : ::open(cgroup_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    for (const ProbeSpec& spec : kProgramProbes) {
        std::optional<std::string> error = btf ? probe_hook(spec, cgroup_fd) : std::optional<std::string>("no BTF");
        f.probes.push_back({spec.feature, !error, error ? *error : spec.use, spec.required});
        spdlog::debug("feature {}: {}", spec.feature, error ? "no (" + *error + ")" : "yes");
    }
    if (cgroup_fd >= 0) ::close(cgroup_fd);
    return f;
}

}  // namespace

bool probe_uprobe_multi() {
    static const bool available = [] {
        QuietLibbpf quiet;
        for (const ProbeSpec& spec : kProgramProbes) {
            if (std::strcmp(spec.feature, "uprobe_multi") != 0) continue;
            std::optional<std::string> error = probe_hook(spec, -1);
            spdlog::debug("feature uprobe_multi: {}", error ? "no (" + *error + "); one uprobe link per function"
                                                            : "yes; one uprobe link per library and program");
            return !error;
        }
        return false;
    }();
    return available;
}

std::optional<std::string> missing_kernel_requirement() {
    QuietLibbpf quiet;
    if (probe_hook(kAtomics, -1, true))
        return "its BPF has no atomic compare-and-exchange (Linux 5.12+), which the socket hooks use";
    return std::nullopt;
}

bool KernelFeatures::all_required_available() const {
    for (const auto& p : probes)
        if (p.required && !p.available) return false;
    return true;
}

std::map<std::string, std::string> KernelFeatures::summary() const {
    std::map<std::string, std::string> out;
    for (const auto& p : probes) out[p.name] = p.available ? "yes" : "no: " + p.detail;
    return out;
}

const KernelFeatures& probe_kernel_features(const std::string& cgroup_path) {
    static std::optional<KernelFeatures> cached;
    if (!cached) cached = run_probes(cgroup_path);
    return *cached;
}

}  // namespace egresswatch
