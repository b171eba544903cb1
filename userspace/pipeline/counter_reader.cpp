#include "pipeline/counter_reader.h"

#include <algorithm>
#include <vector>

#include "pipeline/decoder.h"

namespace egresswatch {

void CounterReader::add_drops(std::map<std::string, std::uint64_t>& reasons) const {
    if (!source_) return;
    auto drops = source_->drop_counts();
    for (std::uint32_t r = 0; r < drops.size(); ++r)
        if (drops[r]) reasons[drop_reason_name(r)] = drops[r];
}

void CounterReader::read_repeats(std::int64_t now_ns, bool final, KernelRecordSink& out) {
    std::vector<FlowCount> counts;
    if (source_) {
        std::uint64_t undecodable = 0;
        for (const FlowCounter& c : source_->flow_counters()) {
            if (auto f = decode_flow_count(c))
                counts.push_back(*f);
            else
                ++undecodable;
        }
        // Every read sees the same entries again: the most seen at once, so loss never shrinks.
        undecodable_ = std::max(undecodable_, undecodable);
    }
    repeats_.read(counts, now_ns, final, out);
}

}  // namespace egresswatch
