#pragma once
// Reads what the kernel counted instead of reporting (kernel_counters.h) and decodes it by the
// decoder's rules: drop counters become loss reasons, flow_dedup entries become repeat records
// (through the repeat ledger, which decides when each is written).

#include <cstdint>
#include <map>
#include <string>

#include "pipeline/kernel_counters.h"
#include "pipeline/kernel_record_sink.h"
#include "pipeline/repeat_ledger.h"

namespace egresswatch {

// The loss reason a drop counter is reported under ("ringbuf_full_connect", ...).
const char* drop_reason_name(std::uint32_t reason);

class CounterReader {
public:
    explicit CounterReader(RepeatLedger::ProcessLookup lookup) : repeats_(std::move(lookup)) {}

    // Until a source is given (the programs are loaded), there is nothing to read.
    void read_from(const KernelCounterSource& source) { source_ = &source; }

    // The kernel's loss, by reason, as of now.
    void add_drops(std::map<std::string, std::uint64_t>& reasons) const;
    // Reads every flow counter; the repeat records due (every one, if `final`) go to `out`.
    void read_repeats(std::int64_t now_ns, bool final, KernelRecordSink& out);
    // flow_dedup entries of a family or kind this build does not know: counted as undecodable.
    std::uint64_t undecodable() const { return undecodable_; }

private:
    const KernelCounterSource* source_ = nullptr;
    RepeatLedger repeats_;
    std::uint64_t undecodable_ = 0;
};

}  // namespace egresswatch
