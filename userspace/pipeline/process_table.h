#pragma once
// Every process the session has seen, alive or recently exited, so that a process that
// connected and exited before userspace looked is still named with its exe, argv and
// parent chain.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace egresswatch {

struct ProcessInfo {
    std::uint32_t pid = 0;
    std::uint32_t ppid = 0;
    std::string comm;
    std::string exe;
    std::vector<std::string> argv;
    bool exited = false;
    std::uint64_t exit_ts_ns = 0;  // CLOCK_MONOTONIC
    std::optional<std::uint32_t> exit_code;
};

struct Ancestor {
    std::uint32_t pid = 0;
    std::string comm;
    std::string exe;
    bool operator==(const Ancestor&) const = default;
};

class ProcessTable {
public:
    // Called for a pid the table has never seen (started before the session, or its fork
    // event was lost); typically reads /proc.
    using Fallback = std::function<std::optional<ProcessInfo>(std::uint32_t pid)>;

    struct Limits {
        std::uint64_t exited_retention_ns = 60ull * 1000 * 1000 * 1000;
        std::size_t max_entries = 1'000'000;
    };

    ProcessTable() = default;
    explicit ProcessTable(Limits limits) : limits_(limits) {}

    void set_fallback(Fallback fallback) { fallback_ = std::move(fallback); }
    // Ancestry stops at this process (the run's command); 0 means walk to the top.
    void set_root(std::uint32_t pid) { root_pid_ = pid; }

    void upsert(ProcessInfo info);
    void on_fork(std::uint32_t parent_pid, std::uint32_t child_pid, const std::string& comm);
    void on_exec(std::uint32_t pid, std::uint32_t ppid, const std::string& comm, std::string exe,
                 std::vector<std::string> argv);
    void on_exit(std::uint32_t pid, std::uint64_t ts_ns, std::uint32_t exit_code);

    // The entry for pid, asking the fallback once if it is unknown.
    const ProcessInfo* find(std::uint32_t pid);

    // Parent first, up to and including the root process (or the top of the tree).
    // At most 64 ancestors; `truncated`, if given, says whether more were left out.
    std::vector<Ancestor> ancestry(std::uint32_t pid, bool* truncated = nullptr);

    // Forgets processes that exited more than the retention ago. Cheap to call often.
    void prune(std::uint64_t now_ns);

    std::size_t size() const { return processes_.size(); }

private:
    ProcessInfo& entry(std::uint32_t pid);

    Limits limits_;
    Fallback fallback_;
    std::uint32_t root_pid_ = 0;
    std::unordered_map<std::uint32_t, ProcessInfo> processes_;
    std::vector<std::uint32_t> exited_order_;  // pids in exit order, for pruning
};

}  // namespace egresswatch
