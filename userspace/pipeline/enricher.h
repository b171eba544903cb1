#pragma once
// Joins typed kernel events with the process table: connection, exec and exit records, and the
// payload and TLS plaintext the flow inspector reads, handed to it (kernel_record_sink.h).

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "pipeline/events.h"
#include "pipeline/kernel_record_sink.h"
#include "pipeline/process_namer.h"
#include "pipeline/process_table.h"

namespace egresswatch {

// Kernel timestamps are CLOCK_MONOTONIC; records carry wall-clock time.
struct WallClock {
    std::int64_t monotonic_to_wall_ns = 0;
    std::int64_t to_wall(std::uint64_t monotonic_ns) const {
        return static_cast<std::int64_t>(monotonic_ns) + monotonic_to_wall_ns;
    }
    static WallClock now();
};

struct EnricherHooks {
    // execve's filename may be relative to the caller's cwd: make it absolute if possible.
    std::function<std::string(std::uint32_t pid, const std::string& filename)> resolve_exe;
    // Keeps secrets in command lines out of every record (text_redaction.h). `cut`: the
    // kernel truncated argv, maybe inside a credential.
    std::function<void(std::vector<std::string>& argv, bool cut)> redact_argv;
    // The loader mapped libraries into a process: look for TLS libraries in it.
    std::function<void(std::uint32_t pid)> libraries_changed;
    // A process began a program: a Go program carries its TLS in the executable, and maps no
    // library that would say so. A held process (ExecEvent::held) waits for it to be examined.
    std::function<void(const ExecEvent& e)> program_started;
    // A cgroup was made (its path is known): records made in it from now on name it by this path.
    std::function<void(const CgroupEvent& made)> cgroup_made;
};

struct EventCounts {
    std::uint64_t connect = 0, send = 0, exec = 0, fork = 0, exit = 0, payload = 0, tls_data = 0, tls_bind = 0,
                  libs_changed = 0, cgroups = 0;
    std::uint64_t undecodable = 0;
};

class Enricher {
public:
    Enricher(ProcessTable& processes, const ProcessNamer& names, WallClock clock, EnricherHooks hooks,
             KernelRecordSink& out);

    void on_event(const KernelEvent& event);
    void on_undecodable() { ++counts_.undecodable; }

    const EventCounts& counts() const { return counts_; }
    const WallClock& clock() const { return clock_; }

private:
    void handle(const SockEvent& e);
    void handle(const ExecEvent& e);
    void handle(const ForkEvent& e);
    void handle(const ExitEvent& e);
    void handle(const PayloadEvent& e);
    void handle(const TlsDataEvent& e);
    void handle(const TlsBindEvent& e);
    void handle(const LibsChangedEvent& e);
    void handle(const CgroupEvent& e);

    ProcessTable& processes_;
    const ProcessNamer& names_;
    WallClock clock_;
    EnricherHooks hooks_;
    KernelRecordSink& out_;
    EventCounts counts_;
    std::uint64_t last_prune_ns_ = 0;
};

}  // namespace egresswatch
