#pragma once
// The agent's own CPU time and resident memory, from /proc/self: what an operator watches an
// agent that runs for weeks by.

#include <cstdint>
#include <optional>
#include <string>

namespace egresswatch {

struct AgentUsage {
    double cpu_seconds = 0;  // user + system, all threads
    std::uint64_t resident_bytes = 0;
};

// Read from proc_root/self (stat and statm); nullopt if they cannot be read.
std::optional<AgentUsage> read_agent_usage(const std::string& proc_root = "/proc");

// Whether kernel.bpf_stats_enabled is set: only then does the kernel count BPF programs'
// runs and run time (it costs every program two clock reads per run, so it is off by default).
bool bpf_stats_enabled(const std::string& proc_root = "/proc");

}  // namespace egresswatch
