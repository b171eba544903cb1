#include "pipeline/enricher.h"

#include <time.h>

namespace egresswatch {
namespace {
constexpr std::uint64_t kPruneIntervalNs = 1'000'000'000;

std::int64_t clock_ns(clockid_t id) {
    timespec ts{};
    clock_gettime(id, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
}  // namespace

WallClock WallClock::now() { return WallClock{clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC)}; }

Enricher::Enricher(ProcessTable& processes, const ProcessNamer& names, WallClock clock, EnricherHooks hooks,
                   KernelRecordSink& out)
    : processes_(processes), names_(names), clock_(clock), hooks_(std::move(hooks)), out_(out) {}

void Enricher::on_event(const KernelEvent& event) {
    std::visit([this](const auto& e) { handle(e); }, event);
}

void Enricher::handle(const SockEvent& e) {
    ++(e.kind == SockEventKind::connect ? counts_.connect : counts_.send);
    ConnectionRecord r;
    r.kind = e.kind;
    r.ts_ns = clock_.to_wall(e.task.ts_ns);
    r.protocol = e.protocol;
    r.v4_mapped = e.address.is_v4_mapped();
    r.address = e.address.unmapped();
    r.port = e.port;
    r.cookie = e.cookie;
    r.verdict = e.verdict;
    r.process = names_.name(e.task);
    out_.on_connection(r);
}

namespace {

// execve's filename names the program, unless it is a path through /proc (busybox and runc
// re-execute themselves as /proc/self/exe), a file descriptor (fexecve's /dev/fd/N), or
// relative: then the file the kernel executed does. A script keeps its own path.
bool filename_hides_the_program(const ExecEvent& e) {
    if (e.executed.empty() || !e.interpreter.empty()) return false;
    return e.filename.rfind("/proc/", 0) == 0 || e.filename.rfind("/dev/fd/", 0) == 0 || e.filename.rfind('/', 0) != 0;
}

}  // namespace

void Enricher::handle(const ExecEvent& e) {
    ++counts_.exec;
    std::string exe = filename_hides_the_program(e) ? e.executed
                      : hooks_.resolve_exe          ? hooks_.resolve_exe(e.task.pid, e.filename)
                                                    : e.filename;
    // Redacted once, as it enters the table, rather than in every record that names it.
    std::vector<std::string> argv = e.argv;
    if (hooks_.redact_argv) hooks_.redact_argv(argv, e.argv_truncated);
    processes_.on_exec(e.task.pid, e.ppid, e.task.comm, exe, std::move(argv));
    if (hooks_.program_started) hooks_.program_started(e);
    ExecRecord r;
    r.ts_ns = clock_.to_wall(e.task.ts_ns);
    r.ppid = e.ppid;
    r.filename = e.filename;
    r.interpreter = e.interpreter;
    r.argv_truncated = e.argv_truncated;
    r.process = names_.name(e.task);
    out_.on_exec(r);
}

void Enricher::handle(const ForkEvent& e) {
    ++counts_.fork;
    processes_.on_fork(e.task.pid, e.child_pid, e.task.comm);
}

void Enricher::handle(const ExitEvent& e) {
    ++counts_.exit;
    ExitRecord r;
    r.ts_ns = clock_.to_wall(e.task.ts_ns);
    r.pid = e.task.pid;
    r.comm = e.task.comm;
    if (const ProcessInfo* p = processes_.find(e.task.pid)) r.exe = p->exe;
    r.exit_code = e.exit_code;
    processes_.on_exit(e.task.pid, e.task.ts_ns, e.exit_code);
    out_.on_exit(r);
    if (e.task.ts_ns - last_prune_ns_ > kPruneIntervalNs) {
        processes_.prune(e.task.ts_ns);
        last_prune_ns_ = e.task.ts_ns;
    }
}

void Enricher::handle(const PayloadEvent& e) {
    ++counts_.payload;
    PayloadRecord r;
    r.ts_ns = clock_.to_wall(e.task.ts_ns);
    r.event = e;
    out_.on_payload(r);
}

void Enricher::handle(const TlsDataEvent& e) {
    ++counts_.tls_data;
    out_.on_tls_data(TlsDataRecord{clock_.to_wall(e.task.ts_ns), e});
}

void Enricher::handle(const TlsBindEvent& e) {
    ++counts_.tls_bind;
    out_.on_tls_bind(TlsBindRecord{clock_.to_wall(e.task.ts_ns), e});
}

void Enricher::handle(const LibsChangedEvent& e) {
    ++counts_.libs_changed;
    if (hooks_.libraries_changed) hooks_.libraries_changed(e.task.pid);
}

void Enricher::handle(const CgroupEvent& e) {
    ++counts_.cgroups;
    if (hooks_.cgroup_made && !e.path.empty()) hooks_.cgroup_made(e);
}

}  // namespace egresswatch
