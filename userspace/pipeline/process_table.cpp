#include "pipeline/process_table.h"

#include <algorithm>

namespace egresswatch {
namespace {
// Deep enough for any real tree; stops a corrupt or cyclic ppid chain.
constexpr int kMaxAncestryDepth = 64;
}  // namespace

ProcessInfo& ProcessTable::entry(std::uint32_t pid) {
    auto [it, inserted] = processes_.try_emplace(pid);
    if (inserted) it->second.pid = pid;
    return it->second;
}

void ProcessTable::upsert(ProcessInfo info) {
    std::uint32_t pid = info.pid;
    processes_[pid] = std::move(info);
}

void ProcessTable::on_fork(std::uint32_t parent_pid, std::uint32_t child_pid, const std::string& comm) {
    // Until it execs, a child runs its parent's program.
    ProcessInfo child;
    child.pid = child_pid;
    child.ppid = parent_pid;
    child.comm = comm;
    if (const ProcessInfo* parent = find(parent_pid)) {
        child.exe = parent->exe;
        child.argv = parent->argv;
    }
    processes_[child_pid] = std::move(child);  // a recycled pid starts afresh
}

void ProcessTable::on_exec(std::uint32_t pid, std::uint32_t ppid, const std::string& comm, std::string exe,
                           std::vector<std::string> argv) {
    ProcessInfo& p = entry(pid);
    p.ppid = ppid;
    p.comm = comm;
    p.exe = std::move(exe);
    p.argv = std::move(argv);
    p.exited = false;
}

void ProcessTable::on_exit(std::uint32_t pid, std::uint64_t ts_ns, std::uint32_t exit_code) {
    auto it = processes_.find(pid);
    if (it == processes_.end()) return;
    it->second.exited = true;
    it->second.exit_ts_ns = ts_ns;
    it->second.exit_code = exit_code;
    exited_order_.push_back(pid);
}

const ProcessInfo* ProcessTable::find(std::uint32_t pid) {
    if (auto it = processes_.find(pid); it != processes_.end()) return &it->second;
    if (!fallback_ || processes_.size() >= limits_.max_entries) return nullptr;
    std::optional<ProcessInfo> info = fallback_(pid);
    if (!info) return nullptr;
    info->pid = pid;
    return &(processes_[pid] = std::move(*info));
}

std::vector<Ancestor> ProcessTable::ancestry(std::uint32_t pid, bool* truncated) {
    std::vector<Ancestor> chain;
    if (truncated) *truncated = false;
    if (pid == root_pid_) return chain;
    const ProcessInfo* p = find(pid);
    for (int depth = 0; p && p->ppid != 0; ++depth) {
        if (depth == kMaxAncestryDepth) {
            if (truncated) *truncated = true;  // ancestors remain: say so rather than end quietly
            break;
        }
        const ProcessInfo* parent = find(p->ppid);
        if (!parent) {
            chain.push_back({p->ppid, "", ""});
            break;
        }
        chain.push_back({parent->pid, parent->comm, parent->exe});
        if (parent->pid == root_pid_) break;
        p = parent;
    }
    return chain;
}

void ProcessTable::prune(std::uint64_t now_ns) {
    std::size_t done = 0;
    for (; done < exited_order_.size(); ++done) {
        std::uint32_t pid = exited_order_[done];
        auto it = processes_.find(pid);
        if (it == processes_.end() || !it->second.exited) continue;  // gone, or pid reused
        bool over_capacity = processes_.size() > limits_.max_entries;
        if (!over_capacity && it->second.exit_ts_ns + limits_.exited_retention_ns > now_ns) break;
        processes_.erase(it);
    }
    exited_order_.erase(exited_order_.begin(), exited_order_.begin() + static_cast<std::ptrdiff_t>(done));
}

}  // namespace egresswatch
