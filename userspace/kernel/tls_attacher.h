#pragma once
// Finds the TLS libraries observed processes use (and Go programs, whose crypto/tls is in the
// executable) and attaches the plaintext uprobes to each file once (uprobes belong to the file's inode, so one attach
// covers every process mapping it, now and later). Examining files (ELF symbol tables) and attaching are slow next to
// event handling, so processes are scanned on a worker thread.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "kernel/tracer.h"
#include "protocols/tls/library.h"

namespace egresswatch {

// A file as the kernel numbers it (inode, superblock device): the key of the BPF map of files
// examined, which lets their execs go unheld.
struct ProgramFile {
    std::uint64_t ino = 0;
    std::uint32_t dev = 0;
    std::uint32_t held_pid = 0;  // the process held at its exec of it, as egresswatch numbers it
};

struct AttachedTlsLibrary {
    std::string path;
    TlsLibraryKind kind;
    std::vector<std::string> functions;
};

class TlsAttacher {
public:
    TlsAttacher(const Tracer& tracer, std::string proc_root = "/proc");
    ~TlsAttacher();
    TlsAttacher(const TlsAttacher&) = delete;
    TlsAttacher& operator=(const TlsAttacher&) = delete;

    // Now, before the observed command starts: TLS libraries in the standard library
    // directories, and the dynamic loader's hook that reports libraries mapped later.
    void attach_system_libraries();
    // Now: one file (the command's executable, which may link TLS in statically).
    void attach_file(const std::string& path);
    // Later, on the worker: the files process pid has mapped.
    void scan_process(std::uint32_t pid);
    // Later, on the worker: only the program process pid runs (a Go program's TLS is in it).
    // One stat for a program examined before, where scan_process reads the whole maps file.
    // held: the kernel stopped the process at its exec of that file; it is continued once the
    // file is examined (or when the attacher stops).
    void scan_executable(std::uint32_t pid, std::optional<ProgramFile> held = std::nullopt);
    // Later, on the worker: every process alive now (for watch).
    void scan_all_processes();

    std::vector<AttachedTlsLibrary> attached() const;
    // Blocks until the worker has nothing queued (tests, and before reporting).
    void wait_idle();

private:
    struct ProgramStart {
        std::uint32_t pid;
        std::optional<ProgramFile> held;
    };
    // Continues a held process, and marks its file examined in the kernel.
    void release(const ProgramStart& start) const;
    using FileId = std::pair<std::uint64_t, std::uint64_t>;  // device, inode

    void run_worker();
    void examine_executable(std::uint32_t pid);
    // 'path' opens the file; 'name' is how output names it.
    void examine(const std::string& path, const std::string& name, FileId id);
    void examine_go(const std::string& path, const std::string& name);
    void attach_loader_hook();

    const Tracer& tracer_;
    std::string proc_root_;
    std::mutex mutex_;  // the queue and the worker's state: held briefly by the event path
    std::condition_variable wake_, idle_;
    std::deque<std::uint32_t> queue_;
    std::set<std::uint32_t> queued_;
    std::vector<ProgramStart> exe_queue_;
    bool scan_all_ = false, busy_ = false, stopping_ = false;
    mutable std::mutex files_mutex_;  // what has been examined and attached: held while examining
    std::set<FileId> examined_;
    // Files already examined, by the device and inode their maps line gives (which may
    // differ from stat's on overlayfs). Only the worker uses it.
    std::set<FileId> mapped_seen_;
    std::vector<UprobeLinks> links_;
    std::vector<AttachedTlsLibrary> attached_;
    std::thread worker_;
};

}  // namespace egresswatch
