#pragma once
// What the pipeline benchmarks share: the processes their synthetic events come from
// (ring_producer.bpf.c numbers them from kFirstPid), as a deploy's clients look to the
// process table, and this process's memory as the kernel counts it.

#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>

#include "pipeline/process_table.h"

namespace egresswatch::bench {

constexpr std::uint32_t kPids = 10'000;
constexpr std::uint32_t kFirstPid = 100'000;

inline void add_bench_processes(ProcessTable& processes) {
    for (std::uint32_t i = 0; i < kPids; ++i) {
        ProcessInfo p;
        p.pid = kFirstPid + i;
        p.ppid = 1;
        p.comm = "bench-client";
        p.exe = "/usr/bin/bench-client-" + std::to_string(i % 100);
        p.argv = {p.exe, "--fetch", "https://mirror.example/pool/" + std::to_string(i)};
        processes.upsert(std::move(p));
    }
}

// A "VmRSS:"/"VmHWM:"-style field of /proc/self/status, in KiB; -1 if absent.
inline long status_kib(const char* field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::strlen(field)));
    return -1;
}

}  // namespace egresswatch::bench
