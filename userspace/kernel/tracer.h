#pragma once
// Owns the loaded egresswatch BPF object and its links. Destroying it detaches every
// program; links are file descriptors, so a crash or SIGKILL detaches them too.

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "egresswatch/abi.h"
#include "kernel/program_plan.h"
#include "kernel/uprobe_links.h"
#include "pipeline/kernel_counters.h"

struct egresswatch_bpf;
namespace egresswatch {
struct EnforcePlan;
}
struct bpf_link;
struct bpf_program;

namespace egresswatch {

struct LoaderOptions {
    std::uint32_t ringbuf_bytes = 8u << 20;  // power of two, >= page size
    std::uint32_t dedup_entries = 65536;
    bool dedup_connects = true;
    // Copy the first bytes of flows (DNS, TLS ClientHello, HTTP heads) for the parsers.
    bool capture_payload = true;
    std::uint32_t payload_packet_bytes = EW_PAYLOAD_MAX;  // at most EW_PAYLOAD_MAX (cli/app.cpp checks it)
    std::uint32_t payload_flow_bytes = 4096;
    std::uint32_t http_head_burst = 512;
    std::uint32_t http_heads_per_sec = 128;
    // Connected TCP sockets whose owner waits for their first payload in a preallocated
    // map; past this many, owners are created in sk_storage at connect (slower). Rounded up
    // to a power of two (0 to 1).
    std::uint32_t pending_owner_entries = 16384;
    // Load the TLS plaintext programs (uprobes are attached per library, later).
    bool capture_tls = true;
    // Stop each process that starts a program not examined yet, until userspace has examined
    // it (bpf/lib/hold_new_programs.bpf.h): run, for the Go programs its command starts.
    bool hold_new_programs = false;
    // Load them for uprobe_multi links (probe_uprobe_multi() says whether the kernel has
    // them); else for one classic link per function.
    bool uprobe_multi = false;
    // Report process events only for tasks under this cgroup (-1: every task).
    int scope_cgroup_fd = -1;
    // With a scope: where the connect and sendmsg programs are attached, to judge every
    // socket by the task that uses it (bpf/lib/acting_task.bpf.h): the cgroup root. -1, or
    // a root that refuses them: the attach cgroup, and a socket passed in from outside the
    // scope is not seen (said in a warning).
    int sock_addr_cgroup_fd = -1;
    // With a scope: cgroups its tasks make (a container runtime's) join it, and so do those
    // made below them (bpf/lib/followed_cgroups.bpf.h); the packet programs and sock_release
    // then go to packet_cgroup_fd (the root), and judge each packet by its socket's cgroup.
    bool follow_cgroups = false;
    int packet_cgroup_fd = -1;
    // --enforce: refuse what the plan does not allow (needs capture_payload, whose
    // cgroup_skb programs learn DNS answers: cli/app.cpp refuses --enforce with --no-payload).
    // Kept alive by the caller until loaded.
    const EnforcePlan* enforce = nullptr;
    bool enforce_fail_open = false;
    std::uint32_t enforce_learned_entries = 16384;
};

struct LinkDeleter {
    void operator()(::bpf_link* link) const;
};
using LinkPtr = std::unique_ptr<::bpf_link, LinkDeleter>;

// go_tls_return is a plain uprobe, attached at each RET instruction (bpf/lib/tls_go.bpf.h).
enum class UprobeProgram {
    tls_call_enter,
    tls_call_exit,
    tls_session_free,
    loader_libs_changed,
    go_tls_enter,
    go_tls_return,
    go_tls_close
};

class Tracer final : public KernelCounterSource {
public:
    // Opens, sizes and loads the programs, falling back per feature where the kernel refuses
    // a program (plan() says what it refused and why). Throws SetupError, with the kernel's
    // reason, only if connections or process lineage cannot be loaded, or --enforce's.
    explicit Tracer(const LoaderOptions& options);
    ~Tracer();
    Tracer(const Tracer&) = delete;
    Tracer& operator=(const Tracer&) = delete;

    // connect/sendmsg hooks (and, with payload capture, cgroup_skb) on one cgroup and so
    // on all its descendants.
    // packet_cgroup_fd >= 0: the cgroup_skb and sock_release programs go there instead.
    void attach_sockets(int cgroup_fd, int sock_addr_cgroup_fd, int packet_cgroup_fd = -1);
    void attach_process_tracking();
    // The hook that joins TLS library calls to their sockets: the first of the loaded ones
    // that attaches. If none does, plan() records it; HTTPS requests go on, unjoined.
    void attach_tls_socket_tracking();
    bool capture_tls() const { return plan_.tls; }
    bool capture_go_tls() const { return plan_.tls && plan_.tls_go; }
    bool capture_payload() const { return plan_.payload; }
    // What was loaded and attached, and every feature the kernel refused, with its reason.
    const ProgramPlan& plan() const { return plan_; }
    // The hooks in use, by job (the start record's kernel_features, and doctor's list).
    std::map<std::string, std::string> hooks_in_use() const;
    // Refusals of an earlier load that this one replaced (load_and_attach).
    void keep_refusals(const std::vector<Degradation>& earlier);
    // Functions of one file, for every process that maps it. Throws SetupError.
    UprobeLinks attach_uprobes(UprobeProgram program, const std::string& path,
                               const std::vector<UprobeSite>& sites) const;
    void detach();
    // A cgroup joins the run's scope (--follow-containers any: a container made outside the
    // run). False if it could not (the table is full, or following is off).
    bool follow_cgroup(std::uint64_t cgroup_id);
    // The file (the kernel's inode number and device) is examined: its execs go on unheld.
    void mark_program_examined(std::uint64_t ino, std::uint32_t dev) const;

    int ringbuf_fd() const;
    // What the metrics show of the kernel side at a scrape; safe from another thread while
    // the session runs (each reads through its own file descriptor).
    struct RingFill {
        std::uint64_t used_bytes = 0;  // written by the programs, not yet read
        std::uint64_t size_bytes = 0;
    };
    std::optional<RingFill> ring_fill() const;
    struct ProgramRunStats {
        std::string name;
        std::uint64_t runs = 0;         // counted only while kernel.bpf_stats_enabled is set
        std::uint64_t run_time_ns = 0;  // likewise
    };
    std::vector<ProgramRunStats> program_run_stats() const;
    std::array<std::uint64_t, EW_DROP__COUNT> drop_counts() const override;
    // Repeats counted in the kernel for each flow that has any.
    void visit_flow_counters(const FlowVisitor& visit) const override;
    // Connected sockets whose owner still waits for their first payload.
    std::size_t pending_owner_count() const;
    // Threads inside a TLS call or holding a write not yet joined to its socket.
    std::uint64_t tls_threads_active() const;

private:
    // The walk by key, for kernels without batch lookups.
    void walk_flow_counters(const FlowVisitor& visit) const;
    // A fresh skeleton, sized and configured for plan_, not yet loaded.
    void open_for_plan(const LoaderOptions& options);
    void destroy_skeleton();
    ::bpf_program* program(const std::string& name) const;
    void attach_programs(const std::vector<std::string>& names, const char* what);

    egresswatch_bpf* skel_ = nullptr;
    std::vector<::bpf_link*> links_;
    ProgramPlan plan_;
    bool uprobe_multi_ = false;
};

// Loads and attaches what run and watch use, with every fallback (doctor calls it too, so
// its verdict is what a session gets): process tracking, then the socket programs on
// cgroup_fd, then the TLS socket hook. Throws SetupError.
std::unique_ptr<Tracer> load_and_attach(const LoaderOptions& options, int cgroup_fd);

}  // namespace egresswatch
