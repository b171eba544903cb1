// Userspace pipeline benchmark through the real ring buffer path: a BPF program
// (ring_producer.bpf.c) writes synthetic connect records into a ring buffer, and the same
// EventSource -> decoder -> enricher -> aggregator chain as `egresswatch run` consumes
// them. Prints, with the no-op consumer measured in the same run as the baseline:
//   - events/s per consumer CPU-second (target >= 1M)
//   - loss at a sustained 50k events/s (target: none, and the count is exact)
//   - peak RSS with 100k destinations and 10k processes (target <= 64 MiB)
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/epoll.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include "bench_common.h"
#include "kernel/event_source.h"
#include "pipeline/pipeline.h"
#include "report/aggregator.h"
#include "ring_producer.skel.h"

using namespace egresswatch;
using bench::kFirstPid;
using bench::kPids;
using bench::status_kib;

namespace {

constexpr std::uint32_t kDestinations = 100'000;

double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct PhaseResult {
    std::uint64_t produced = 0, consumed = 0, dropped = 0;
    double consumer_cpu_s = 0, wall_s = 0;
    double per_cpu_second() const { return consumer_cpu_s > 0 ? static_cast<double>(consumed) / consumer_cpu_s : 0; }
};

// Emits `total` records, in batches, at `rate` per second (0: as fast as possible), while
// this thread consumes them through `handler`.
PhaseResult run_phase(ring_producer_bpf* skel, std::uint64_t total, double rate,
                      const std::function<void(const void*, std::size_t)>& handler) {
    PhaseResult r;
    std::uint64_t produced0 = skel->bss->produced, dropped0 = skel->bss->dropped;
    std::atomic<bool> producing{true};
    int prog_fd = bpf_program__fd(skel->progs.produce);
    auto start = std::chrono::steady_clock::now();
    std::thread producer([&] {
        constexpr std::uint32_t batch = 500;
        std::uint64_t sent = 0;
        while (sent < total) {
            struct {
                std::uint32_t count;
            } args{static_cast<std::uint32_t>(std::min<std::uint64_t>(batch, total - sent))};
            LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &args, .ctx_size_in = sizeof(args));
            if (bpf_prog_test_run_opts(prog_fd, &opts) != 0) {
                std::perror("bpf_prog_test_run_opts");
                break;
            }
            sent += args.count;
            if (rate > 0)
                std::this_thread::sleep_until(start + std::chrono::duration<double>(static_cast<double>(sent) / rate));
        }
        producing = false;
    });

    std::uint64_t consumed = 0;
    EventSource source(bpf_map__fd(skel->maps.events), [&](const void* d, std::size_t n) {
        ++consumed;
        handler(d, n);
    });
    int ep = epoll_create1(EPOLL_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    epoll_ctl(ep, EPOLL_CTL_ADD, source.epoll_fd(), &ev);
    double cpu0 = thread_cpu_seconds();
    for (;;) {
        epoll_event out;
        epoll_wait(ep, &out, 1, 20);
        source.drain();
        if (!producing) {
            std::uint64_t emitted = skel->bss->produced - produced0;
            std::uint64_t lost = skel->bss->dropped - dropped0;
            if (consumed + lost >= emitted) break;
        }
    }
    r.consumer_cpu_s = thread_cpu_seconds() - cpu0;
    producer.join();
    r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ::close(ep);
    r.produced = skel->bss->produced - produced0;
    r.dropped = skel->bss->dropped - dropped0;
    r.consumed = consumed;
    return r;
}

ring_producer_bpf* load_producer(std::uint32_t ringbuf_bytes) {
    ring_producer_bpf* skel = ring_producer_bpf__open();
    if (!skel) return nullptr;
    skel->rodata->distinct_pids = kPids;
    skel->rodata->distinct_destinations = kDestinations;
    skel->rodata->first_pid = kFirstPid;
    bpf_map__set_max_entries(skel->maps.events, ringbuf_bytes);
    if (ring_producer_bpf__load(skel) != 0) {
        ring_producer_bpf__destroy(skel);
        return nullptr;
    }
    return skel;
}

void print_row(const char* name, const PhaseResult& r, double baseline) {
    std::printf("%-44s %14.0f %10lu %10lu %8.2f\n", name, r.per_cpu_second(), static_cast<unsigned long>(r.consumed),
                static_cast<unsigned long>(r.dropped), baseline > 0 ? r.per_cpu_second() / baseline : 1.0);
}

}  // namespace

int main(int argc, char** argv) {
    std::uint64_t burst = argc > 1 ? std::stoull(argv[1]) : 2'000'000;
    libbpf_set_print([](enum libbpf_print_level level, const char* fmt, va_list args) {
        return level == LIBBPF_WARN ? std::vfprintf(stderr, fmt, args) : 0;
    });

    ProcessTable processes;
    bench::add_bench_processes(processes);
    // The real pipeline (decode, enrich, inspect, fan out) into the aggregator. No payload
    // comes, so connects are not held for a name, as with --no-payload.
    PipelineOptions options;
    options.inspect.hold_ns = 0;
    Aggregator aggregator;
    Pipeline full(processes, options, {}, {&aggregator});
    auto pipeline = [&](const void* d, std::size_t n) { full.on_ring_record(d, n); };

    // 1. As egresswatch runs by default (4 MiB ring buffer): a sustained 50k events/s over
    //    every destination and process, then the peak RSS that left behind.
    ring_producer_bpf* small = load_producer(4u << 20);
    if (!small) {
        std::fprintf(stderr, "pipeline_bench: cannot load the producer (root needed)\n");
        return 2;
    }
    PhaseResult sustained = run_phase(small, 250'000, 50'000, pipeline);
    long hwm = status_kib("VmHWM:");
    ring_producer_bpf__destroy(small);

    // 2. Throughput: a ring large enough that nothing is dropped, so the consumer's cost per
    //    event is measured over every event, against a no-op consumer in the same run.
    ring_producer_bpf* big = load_producer(256u << 20);
    if (!big) return 2;
    PhaseResult noop = run_phase(big, burst, 0, [](const void*, std::size_t) {});
    PhaseResult steady = run_phase(big, burst, 0, pipeline);
    Aggregator fresh;
    Pipeline fresh_pipeline(processes, options, {}, {&fresh});
    PhaseResult first_sight =
        run_phase(big, burst, 0, [&](const void* d, std::size_t n) { fresh_pipeline.on_ring_record(d, n); });
    ring_producer_bpf__destroy(big);

    double base = noop.per_cpu_second();
    std::printf("pipeline benchmark: %u processes, %u destinations, bursts of %lu events\n", kPids, kDestinations,
                static_cast<unsigned long>(burst));
    std::printf("%-44s %14s %10s %10s %8s\n", "phase", "events/cpu-s", "consumed", "dropped", "vs no-op");
    print_row("ring buffer, no-op consumer (baseline)", noop, base);
    print_row("full pipeline, destinations known", steady, base);
    print_row("full pipeline, from empty (100k new dest.)", first_sight, base);
    print_row("full pipeline, sustained 50k/s, 4 MiB ring", sustained, base);
    std::printf("\nthroughput target >= 1M events/s on one core: steady %.2fx, from empty %.2fx of target\n",
                steady.per_cpu_second() / 1e6, first_sight.per_cpu_second() / 1e6);
    std::printf("loss at 50k/s: %lu of %lu dropped (%s); consumed + dropped == produced: %s\n",
                static_cast<unsigned long>(sustained.dropped), static_cast<unsigned long>(sustained.produced),
                sustained.dropped == 0 ? "none" : "LOST",
                sustained.consumed + sustained.dropped == sustained.produced ? "yes" : "NO");
    std::printf("memory: peak RSS %.1f MiB with %zu destinations and %zu processes seen; target <= 64 MiB: "
                "%.2fx of target\n",
                static_cast<double>(hwm) / 1024, aggregator.destinations().size(), processes.size(),
                static_cast<double>(hwm) / 1024 / 64);
    return 0;
}
