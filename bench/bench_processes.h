#pragma once
// The processes the pipeline benchmarks' synthetic events come from (ring_producer.bpf.c
// numbers them from kFirstPid): what a deploy's clients look like to the process table.

#include <cstdint>
#include <string>

#include "core/process_table.h"

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

}  // namespace egresswatch::bench
