#include "kernel/tls_attacher.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <unistd.h>
#include <csignal>

#include <filesystem>

#include "base/errors.h"
#include "procfs/proc_maps.h"
#include "procfs/proc_reader.h"
#include "system/elf_symbols.h"
#include "system/go_binary.h"

namespace egresswatch {
namespace {

namespace fs = std::filesystem;

const char* const kLibraryDirs[] = {
    "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib"};
const char* const kLibraryPrefixes[] = {"libssl.so", "libgnutls.so"};

std::optional<std::pair<std::uint64_t, std::uint64_t>> file_id(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    return std::pair<std::uint64_t, std::uint64_t>{st.st_dev, st.st_ino};
}

}  // namespace

TlsAttacher::TlsAttacher(const Tracer& tracer, std::string proc_root)
    : tracer_(tracer), proc_root_(std::move(proc_root)), worker_([this] { run_worker(); }) {}

TlsAttacher::~TlsAttacher() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    worker_.join();
    // Never leave a process stopped: what the worker did not reach goes on unexamined.
    for (const ProgramStart& start : exe_queue_) release(start);
    detach_concurrently(std::move(links_));
}

void TlsAttacher::release(const ProgramStart& start) const {
    if (!start.held) return;
    tracer_.mark_program_examined(start.held->ino, start.held->dev);
    ::kill(static_cast<pid_t>(start.held->held_pid), SIGCONT);
}

void TlsAttacher::attach_system_libraries() {
    attach_loader_hook();
    for (const char* dir : kLibraryDirs) {
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(dir, ec)) {
            std::string name = entry.path().filename().string();
            for (const char* prefix : kLibraryPrefixes)
                if (name.starts_with(prefix)) attach_file(entry.path().string());
        }
    }
}

void TlsAttacher::attach_file(const std::string& path) {
    auto id = file_id(path);
    if (!id) return;
    // Named by the file itself, not by a development symlink like libssl.so.
    std::error_code ec;
    std::string real = fs::canonical(path, ec).string();
    std::lock_guard lock(files_mutex_);
    examine(path, ec ? path : real, *id);
}

// _dl_debug_state is where debuggers learn of loaded libraries; ld.so calls it after
// mapping a program's libraries and around each dlopen.
void TlsAttacher::attach_loader_hook() {
    for (const MappedFile& file : read_executable_mappings(proc_root_, static_cast<std::uint32_t>(::getpid()))) {
        if (fs::path(file.path).filename().string().rfind("ld-linux", 0) != 0) continue;
        auto functions = find_functions(file.path, {"_dl_debug_state"});
        if (!functions || functions->empty()) break;
        try {
            std::lock_guard lock(files_mutex_);
            links_.push_back(tracer_.attach_uprobes(UprobeProgram::loader_libs_changed, file.path,
                                                    {UprobeSite{functions->begin()->second, 0}}));
            spdlog::debug("watching library loads through {}", file.path);
            return;
        } catch (const SetupError& e) {
            spdlog::warn("libraries loaded after start will not be found: {}", e.what());
            return;
        }
    }
    spdlog::warn("no dynamic loader hook: TLS libraries outside the standard library directories, loaded "
                 "after start, are not covered");
}

void TlsAttacher::examine(const std::string& path, const std::string& name, FileId id) {
    if (!examined_.insert(id).second) return;
    // The kernel numbers devices MKDEV(major, minor), 20 bits of minor; stat encodes them apart.
    auto dev = static_cast<std::uint32_t>((major(id.first) << 20) | minor(id.first));
    tracer_.mark_program_examined(id.second, dev);
    auto functions = find_functions(path, tls_function_names());
    auto plan = functions ? plan_tls_probes(*functions) : std::nullopt;
    if (!plan) {
        if (tracer_.capture_go_tls()) examine_go(path, name);
        return;
    }
    AttachedTlsLibrary lib{name, plan->kind, {}};
    std::vector<UprobeSite> calls, frees;
    for (const TlsProbe& probe : plan->probes) {
        (probe.role == TlsProbeRole::session_free ? frees : calls).push_back({probe.offset, probe.cookie});
        lib.functions.push_back(probe.symbol);
    }
    std::vector<UprobeLinks> links;
    try {
        if (!calls.empty()) {
            links.push_back(tracer_.attach_uprobes(UprobeProgram::tls_call_enter, path, calls));
            links.push_back(tracer_.attach_uprobes(UprobeProgram::tls_call_exit, path, calls));
        }
        if (!frees.empty()) links.push_back(tracer_.attach_uprobes(UprobeProgram::tls_session_free, path, frees));
    } catch (const SetupError& e) {
        spdlog::warn("TLS plaintext from {} is not captured: {}", name, e.what());
        detach_concurrently(std::move(links));
        return;
    }
    for (UprobeLinks& set : links) links_.push_back(std::move(set));
    spdlog::debug("TLS plaintext: {} ({}) attached", name, tls_library_name(plan->kind));
    attached_.push_back(std::move(lib));
}

// A Go program carries its TLS in its own binary: the entry of Write and Read, and each of
// their returns (bpf/lib/tls_go.bpf.h says why not a uretprobe).
void TlsAttacher::examine_go(const std::string& path, const std::string& name) {
    GoInspection go = inspect_go_binary(path);
    if (!go.go || go.tls_absent) return;
    if (!go.tls) {
        // Said once per file; each of its connections says it again in its tls_end record.
        spdlog::warn("HTTPS requests of {} are not visible: a Go program, {}", name, go.problem);
        return;
    }
    // Writes are read at their entry; only reads need their returns.
    std::vector<UprobeSite> entries{{go.tls->write.entry, go_tls_cookie(true)},
                                    {go.tls->read.entry, go_tls_cookie(false)}};
    std::vector<UprobeSite> returns;
    for (std::uint64_t ret : go.tls->read.returns) returns.push_back({ret, go_tls_cookie(false)});
    std::vector<UprobeLinks> links;
    try {
        links.push_back(tracer_.attach_uprobes(UprobeProgram::go_tls_enter, path, entries));
        links.push_back(tracer_.attach_uprobes(UprobeProgram::go_tls_return, path, returns));
        if (!go.tls->close.name.empty())
            links.push_back(tracer_.attach_uprobes(UprobeProgram::go_tls_close, path, {{go.tls->close.entry, 0}}));
    } catch (const SetupError& e) {
        spdlog::warn("HTTPS requests of {} are not visible: {}", name, e.what());
        detach_concurrently(std::move(links));
        return;
    }
    for (UprobeLinks& set : links) links_.push_back(std::move(set));
    spdlog::debug("Go crypto/tls: {} ({}, {} returns) attached", name, go.tls->go_version, returns.size());
    attached_.push_back({name, TlsLibraryKind::go, {go.tls->write.name, go.tls->read.name}});
}

void TlsAttacher::scan_process(std::uint32_t pid) {
    {
        std::lock_guard lock(mutex_);
        if (!queued_.insert(pid).second) return;
        queue_.push_back(pid);
    }
    wake_.notify_one();
}

void TlsAttacher::scan_executable(std::uint32_t pid, std::optional<ProgramFile> held) {
    {
        std::lock_guard lock(mutex_);
        exe_queue_.push_back({pid, held});
    }
    wake_.notify_one();
}

void TlsAttacher::examine_executable(std::uint32_t pid) {
    // /proc/PID/exe opens the process's own file, in its own mount namespace.
    std::string link = proc_root_ + "/" + std::to_string(pid) + "/exe";
    auto id = file_id(link);
    if (!id) return;  // gone already: its file is examined when another process runs it
    std::lock_guard examine_lock(files_mutex_);
    if (examined_.count(*id)) return;
    std::error_code ec;
    std::string name = fs::read_symlink(link, ec).string();
    examine(link, ec ? link : name, *id);
}

void TlsAttacher::scan_all_processes() {
    {
        std::lock_guard lock(mutex_);
        scan_all_ = true;
    }
    wake_.notify_one();
}

void TlsAttacher::run_worker() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [&] { return stopping_ || scan_all_ || !queue_.empty() || !exe_queue_.empty(); });
        if (stopping_) return;
        std::vector<std::uint32_t> pids;
        if (scan_all_) {
            scan_all_ = false;
            lock.unlock();
            pids = list_proc_pids(proc_root_);
            lock.lock();
        }
        while (!queue_.empty()) {
            pids.push_back(queue_.front());
            queued_.erase(queue_.front());
            queue_.pop_front();
        }
        // Programs first: a held process waits for its file.
        std::vector<ProgramStart> programs = std::move(exe_queue_);
        exe_queue_.clear();
        busy_ = true;
        lock.unlock();
        for (const ProgramStart& start : programs) {
            // A held process's pid is egresswatch's own; the event's is the kernel's, which
            // /proc does not know when egresswatch runs in a PID namespace of its own.
            examine_executable(start.held ? start.held->held_pid : start.pid);
            release(start);
        }
        for (std::uint32_t pid : pids) {
            // Paths are the process's own: through /proc/PID/root they resolve in its mount
            // namespace, so a container's library is found too.
            std::string root = proc_root_ + "/" + std::to_string(pid) + "/root";
            for (const MappedFile& file : read_executable_mappings(proc_root_, pid)) {
                // Every process maps libc and the loader: a file seen before costs no path
                // lookup through /proc.
                FileId mapped{file.device, file.inode};
                if (mapped_seen_.count(mapped)) continue;
                std::string path = root + file.path;
                auto id = file_id(path);
                if (!id) continue;
                {
                    std::lock_guard examine_lock(files_mutex_);
                    // Named by the process's own path, not the /proc route to it.
                    examine(path, file.path, *id);
                }
                mapped_seen_.insert(mapped);
            }
        }
        lock.lock();
        busy_ = false;
        idle_.notify_all();
    }
}

void TlsAttacher::wait_idle() {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [&] { return stopping_ || (!busy_ && !scan_all_ && queue_.empty() && exe_queue_.empty()); });
}

std::vector<AttachedTlsLibrary> TlsAttacher::attached() const {
    std::lock_guard lock(files_mutex_);
    return attached_;
}

}  // namespace egresswatch
