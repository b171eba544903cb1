#include "pipeline/pipeline.h"

#include "pipeline/decoder.h"

namespace egresswatch {
namespace {

// Flow counters are read every this many ticks (and at once when the loss changed): walking
// flow_dedup costs two syscalls per entry (kernel/tracer.cpp), and the repeat ledger writes
// nothing sooner than 5 s after a key's first read anyway (repeat_ledger.h).
constexpr int kTicksPerCounterRead = 5;

// Links the stages in order, the last to the fan-out.
std::vector<RecordStage*> linked(std::vector<RecordStage*> stages, SinkFanout& fanout) {
    for (std::size_t i = 0; i < stages.size(); ++i)
        stages[i]->pass_to(i + 1 < stages.size() ? static_cast<RecordSink&>(*stages[i + 1]) : fanout);
    return stages;
}

}  // namespace

Pipeline::Pipeline(ProcessTable& processes, PipelineOptions options, std::vector<RecordStage*> stages,
                   std::vector<RecordSink*> sinks)
    : options_(std::move(options)),
      processes_(processes),
      names_(processes, options_.cgroup_path, options_.container_of),
      stages_(linked(std::move(stages), fanout_)),
      inspector_(after_inspector(), options_.inspect, &names_),
      enricher_(processes, names_, options_.clock, options_.hooks, inspector_),
      counters_([this](std::uint32_t pid) {
          const ProcessInfo* p = processes_.find(pid);
          return p ? RepeatLedger::Process{p->exe, p->comm} : RepeatLedger::Process{};
      }) {
    for (RecordSink* sink : sinks) fanout_.add(*sink);
}

RecordSink& Pipeline::after_inspector() {
    return stages_.empty() ? static_cast<RecordSink&>(fanout_) : *stages_.front();
}

std::vector<std::string> Pipeline::stage_names() const {
    std::vector<std::string> names{"decode", "enrich", "inspect"};
    for (const RecordStage* stage : stages_) names.emplace_back(stage->stage_name());
    names.emplace_back("fan out");
    return names;
}

void Pipeline::start(const SessionStart& start) {
    after_inspector().on_start(start);
    end_batch();
}

void Pipeline::on_ring_record(const void* data, std::size_t size) {
    if (auto event = decode_event(data, size))
        enricher_.on_event(*event);
    else
        enricher_.on_undecodable();
}

void Pipeline::end_batch() { after_inspector().on_batch_end(); }

void Pipeline::tick(std::int64_t now_ns) {
    inspector_.tick(now_ns);
    if (++ticks_ % kTicksPerCounterRead == 0 || loss() != last_loss_) read_counters(now_ns, false);
    end_batch();
}

void Pipeline::read_counters(std::int64_t now_ns, bool final) {
    // Through the inspector: a repeat must not overtake the connect it repeats.
    counters_.read_repeats(now_ns, final, inspector_);
    LossRecord loss_now{now_ns, loss()};
    if (loss_now.reasons != last_loss_) {
        after_inspector().on_loss(loss_now);
        last_loss_ = loss_now.reasons;
    }
}

void Pipeline::flush(std::int64_t now_ns) {
    // What the inspector still holds is reported now, and what of it counts as lost (TLS data
    // never joined to its socket) goes into the loss record read next, not after it.
    inspector_.flush();
    read_counters(now_ns, true);
    end_batch();
}

void Pipeline::stop(const SessionStop& stop, bool repeat_loss) {
    LossRecord last{stop.ts_ns, loss()};
    if (last.reasons != last_loss_ || last.reasons.empty() || repeat_loss) {
        after_inspector().on_loss(last);
        last_loss_ = last.reasons;
    }
    inspector_.flush();
    after_inspector().on_stop(stop);
    end_batch();
}

LossReasons Pipeline::loss() const {
    LossReasons reasons;
    counters_.add_drops(reasons);
    std::uint64_t undecodable = enricher_.counts().undecodable + counters_.undecodable();
    if (undecodable) reasons["undecodable"] = undecodable;
    const InspectorCounts& inspected = inspector_.counts();
    // Reported, but without the connection they were made on.
    if (inspected.tls_unjoined) reasons["tls_unjoined"] = inspected.tls_unjoined;
    if (inspected.h2_requests_unseen) reasons["http2_request_unseen"] = inspected.h2_requests_unseen;
    // Payload that started as DNS, a TLS ClientHello or HTTP and could not be read as it: a
    // name or request that is not in the records.
    if (inspected.unparsed) reasons["payload_unparsed"] = inspected.unparsed;
    if (options_.sink_loss) options_.sink_loss(reasons);
    return reasons;
}

}  // namespace egresswatch
