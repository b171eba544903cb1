#pragma once
// The observation pipeline, built from an explicit, ordered list of stages:
//
//   ring buffer bytes -> decode -> enrich -> inspect -> [record stages] -> fan out to sinks
//   kernel counters   -> counter reader (decoded by the decoder's rules) --^
//
// decode turns ABI records into typed events (decoder.h); enrich joins them with the process
// table (enricher.h); inspect names connections and makes DNS, TLS and HTTP records from the
// payload (flow_inspector.h); each record stage sees every public record and may add its own
// (the alert stage, alerts/baseline_alerter.h); the fan-out hands every record to each sink in
// order (writers, the aggregator, alert delivery). docs/how-it-works.md draws this list
// (stage_names()).
//
// It owns no I/O: the live session (cli/session.h) attaches the programs, runs the event loop
// and hands it ring buffer records, ticks and the end; a test hands it raw ABI records.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "pipeline/counter_reader.h"
#include "pipeline/enricher.h"
#include "pipeline/flow_inspector.h"
#include "pipeline/kernel_counters.h"
#include "pipeline/process_namer.h"
#include "pipeline/process_table.h"
#include "pipeline/record_sink.h"
#include "pipeline/record_stage.h"

namespace egresswatch {

using LossReasons = std::map<std::string, std::uint64_t>;

struct PipelineOptions {
    InspectorOptions inspect;
    EnricherHooks hooks;
    ProcessNamer::CgroupPath cgroup_path;
    ProcessNamer::ContainerOf container_of;
    WallClock clock = WallClock::now();
    // Loss only a sink knows of (a writer whose writes failed), added to every loss record.
    std::function<void(LossReasons&)> sink_loss;
};

class Pipeline {
public:
    // `stages` run in the order given, after the inspector; `sinks` receive every record in the
    // order given. Both must outlive the pipeline.
    Pipeline(ProcessTable& processes, PipelineOptions options, std::vector<RecordStage*> stages,
             std::vector<RecordSink*> sinks);
    Pipeline(const Pipeline&) = delete;
    Pipeline& operator=(const Pipeline&) = delete;

    // "decode", "enrich", "inspect", each record stage's name, "fan out".
    std::vector<std::string> stage_names() const;

    // Where drop and flow_dedup counters are read from, once the programs are loaded.
    void count_from(const KernelCounterSource& source) { counters_.read_from(source); }

    void start(const SessionStart& start);
    // One ring buffer record, as the kernel committed it.
    void on_ring_record(const void* data, std::size_t size);
    // The end of one ring buffer drain: writers flush.
    void end_batch();
    // About once a second: held connects and unanswered requests whose time is up go out;
    // repeats and loss are read every few ticks, and at once when the loss changed (loss is
    // reported as it happens, not only at the end: a watch may never end cleanly).
    void tick(std::int64_t now_ns);
    // Reads the kernel's counters now: repeats due (all, if `final`) and a loss record if the
    // loss changed.
    void read_counters(std::int64_t now_ns, bool final);
    // The session ends: releases everything the inspector holds, then the last repeats.
    void flush(std::int64_t now_ns);
    // The last loss record (written even when unchanged if it is empty, or if `repeat_loss`:
    // after a failed write it is the line that tells a reader what events.jsonl lacks), then
    // the stop record.
    void stop(const SessionStop& stop, bool repeat_loss);

    LossReasons loss() const;
    const EventCounts& event_counts() const { return enricher_.counts(); }
    const InspectorCounts& inspector_counts() const { return inspector_.counts(); }

private:
    // Where the inspector's records go: the first record stage, or the fan-out.
    RecordSink& after_inspector();

    PipelineOptions options_;
    ProcessTable& processes_;
    ProcessNamer names_;
    std::vector<RecordStage*> stages_;
    SinkFanout fanout_;
    FlowInspector inspector_;
    Enricher enricher_;
    CounterReader counters_;
    LossReasons last_loss_;
    int ticks_ = 0;
};

}  // namespace egresswatch
