// Memory of a `watch` that saw 100k destinations, while observing and while writing its
// outputs. Synthetic connect records (ring_producer.bpf.c, run with BPF_PROG_TEST_RUN) cross a
// real ring buffer into the chain `watch` runs: EventSource, decoder, enricher, flow
// inspector, then events.jsonl and the aggregator. Then report.json, allowlist.yaml and the
// summary are written by the same code as at the end of a session (OutputDir::write_results,
// write_summary). Peak RSS (VmHWM) is read after observing, reset (clear_refs 5), and read
// again after writing, so each phase has its own peak. Target: <= 64 MiB at every moment.
// Needs root (BPF_PROG_TEST_RUN).
//
// Records arrive at a sustained 50k/s (what pipeline_bench shows is consumed without loss):
// the flow inspector holds each TCP connect up to 1 s for the payload that names it, so the
// rate sets how many are held at once.
//
//   output_memory_bench [DESTINATIONS] [RECORDS_PER_SECOND] [OUT_DIR]
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "bench_common.h"
#include "cli/output_dir.h"
#include "kernel/event_source.h"
#include "pipeline/decoder.h"
#include "pipeline/pipeline.h"
#include "report/aggregator.h"
#include "report/jsonl.h"
#include "report/report.h"
#include "ring_producer.skel.h"

using namespace egresswatch;
using bench::kFirstPid;
using bench::kPids;
using bench::status_kib;

namespace {

// Peak RSS starts again from the current RSS (Linux >= 4.0).
bool reset_peak() { return static_cast<bool>(std::ofstream("/proc/self/clear_refs") << "5\n"); }

double mib(long kib) { return static_cast<double>(kib) / 1024; }

}  // namespace

int main(int argc, char** argv) {
    std::uint32_t destinations = argc > 1 ? static_cast<std::uint32_t>(std::stoul(argv[1])) : 100'000;
    double rate = argc > 2 ? std::stod(argv[2]) : 50'000;
    std::string dir = argc > 3 ? argv[3] : "/tmp/output_memory_bench." + std::to_string(::getpid());
    libbpf_set_print([](enum libbpf_print_level level, const char* fmt, va_list args) {
        return level == LIBBPF_WARN ? std::vfprintf(stderr, fmt, args) : 0;
    });
    ring_producer_bpf* skel = ring_producer_bpf__open();
    if (!skel) return 2;
    skel->rodata->distinct_pids = kPids;
    skel->rodata->distinct_destinations = destinations;
    skel->rodata->first_pid = kFirstPid;
    if (ring_producer_bpf__load(skel) != 0) {  // the default 4 MiB ring, as watch has
        std::fprintf(stderr, "output_memory_bench: cannot load the producer (root needed)\n");
        return 2;
    }

    ProcessTable processes;
    bench::add_bench_processes(processes);
    OutputDir out(dir);
    out.open_events();
    Aggregator aggregator;
    JsonlWriter events(out.events());
    Pipeline pipeline(processes, PipelineOptions{}, {}, {&events, &aggregator});
    SessionStart start;
    start.ts_ns = wall_clock_ns();
    start.mode = "watch";
    pipeline.start(start);

    long at_start = status_kib("VmRSS:");
    // Every destination three times, 500 records per run (10 ms at 50k/s), drained after each
    // as watch drains every 10 ms.
    auto began = std::chrono::steady_clock::now();
    EventSource source(bpf_map__fd(skel->maps.events),
                       [&](const void* d, std::size_t n) { pipeline.on_ring_record(d, n); });
    int prog = bpf_program__fd(skel->progs.produce);
    constexpr std::uint32_t kBatch = 500;
    for (std::uint64_t sent = 0; sent < 3ull * destinations; sent += kBatch) {
        std::this_thread::sleep_until(began + std::chrono::duration<double>(static_cast<double>(sent) / rate));
        struct {
            std::uint32_t count;
        } args{kBatch};
        LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &args, .ctx_size_in = sizeof(args));
        if (bpf_prog_test_run_opts(prog, &opts) != 0) {
            std::perror("bpf_prog_test_run_opts");
            return 2;
        }
        source.drain();
        pipeline.end_batch();
        pipeline.tick(wall_clock_ns());
    }
    pipeline.flush(wall_clock_ns());
    aggregator.set_kernel_counts(pipeline.event_counts());
    pipeline.stop(SessionStop{wall_clock_ns(), std::nullopt}, false);
    double observe_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    long observing = status_kib("VmHWM:");
    long before_writing = status_kib("VmRSS:");
    bool reset = reset_peak();

    auto writing = std::chrono::steady_clock::now();
    out.write_results(aggregator, std::nullopt, wall_clock_ns());
    {
        std::ofstream summary(dir + "/summary.txt");
        write_summary(summary, aggregator, ScopeFilter::all);
    }
    double write_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - writing).count();
    long written = status_kib("VmHWM:");
    ring_producer_bpf__destroy(skel);

    auto size_mib = [&](const char* name) {
        return static_cast<double>(std::filesystem::file_size(dir + "/" + name)) / (1 << 20);
    };
    std::printf("output memory benchmark: %zu destinations, %zu processes, %llu records at %.0f/s (%s)\n",
                aggregator.destinations().size(), processes.size(),
                static_cast<unsigned long long>(aggregator.counts().connect), rate, dir.c_str());
    std::printf("%-40s %10s %8s\n", "phase", "peak MiB", "s");
    std::printf("%-40s %10.1f %8.2f\n", "observing (ring buffer to aggregator)", mib(observing), observe_s);
    std::printf("%-40s %10.1f %8.2f%s\n", "writing report, allowlist, summary", mib(written), write_s,
                reset ? "" : "  (peak not reset: includes observing)");
    std::printf("RSS before observing (10k processes known): %.1f MiB; when writing began: %.1f MiB; files: "
                "report.json %.1f MiB, allowlist.yaml %.1f MiB, "
                "summary %.1f MiB, events.jsonl %.1f MiB\n",
                mib(at_start), mib(before_writing), size_mib("report.json"), size_mib("allowlist.yaml"),
                size_mib("summary.txt"), size_mib("events.jsonl"));
    long peak = std::max(observing, written);
    std::printf("memory: peak RSS %.1f MiB; target <= 64 MiB at every moment: %.2fx of target\n", mib(peak),
                mib(peak) / 64);
    return 0;
}
