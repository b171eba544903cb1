#pragma once
// What the kernel counted instead of reporting, as its maps hold it: records it could not
// send, by reason (drop_counters), and the connects and datagrams flow_dedup counted as
// repeats of one already reported. kernel/tracer.h reads the maps; the counter reader
// (counter_reader.h) decodes them, through the decoder, into loss and repeat records.

#include <array>
#include <cstdint>
#include <functional>

#include "egresswatch/abi.h"

namespace egresswatch {

struct FlowCounter {
    ew_flow_key key;
    std::uint64_t repeats;
};

class KernelCounterSource {
public:
    virtual ~KernelCounterSource() = default;
    // Cumulative, by enum ew_drop_reason.
    virtual std::array<std::uint64_t, EW_DROP__COUNT> drop_counts() const = 0;
    // Cumulative repeats of each flow that has any, one at a time: the map is not copied whole
    // (262144 entries are 12 MB). An entry may come twice when the kernel evicts during a walk.
    using FlowVisitor = std::function<void(const FlowCounter&)>;
    virtual void visit_flow_counters(const FlowVisitor& visit) const = 0;
};

}  // namespace egresswatch
