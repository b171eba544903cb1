#pragma once
// Turns the kernel's per-flow repeat counters (flow_dedup: connects and datagrams counted
// instead of sent as events) into `repeat` records, exactly and in few lines.
//
// The counters are read every 5 s. Writing every key that grew at every read was one line per
// key per 5 s: a 5-minute connect storm over 40k destinations wrote about 530 MB, and writes
// 38 MB this way (bench/repeat_storm.sh). Now:
// - a key's growth is written at the first read that sees it, then after 5, 10, 20, 40 s, and
//   then every 60 s while it keeps growing (its back-off starts again once a whole interval
//   passed without growth);
// - all that is left is written at the end of the session, so the sums are exact;
// - one record holds every destination of one process (and kind) that is due, up to
//   kMaxRepeatDestinations, instead of one line each.
// What a record says is the growth since the last record for that key, as before: summing
// them gives the kernel's count. A session killed without its end loses at most the last 60 s
// of each key's repeats (it lost the last 5 s before).

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "pipeline/events.h"
#include "pipeline/kernel_record_sink.h"

namespace egresswatch {

constexpr std::size_t kMaxRepeatDestinations = 256;

class RepeatLedger {
public:
    struct Process {
        std::string exe, comm;
    };
    using ProcessLookup = std::function<Process(std::uint32_t pid)>;

    explicit RepeatLedger(ProcessLookup lookup) : lookup_(std::move(lookup)) {}

    // One read of every counter (entries with no repeats may be left out). `final`: the session
    // ends, write everything still unwritten. Records go to `out` (the flow inspector, which lets a
    // held connect out before its repeats).
    void read(const std::vector<FlowCount>& counters, std::int64_t now_ns, bool final, KernelRecordSink& out);

    // Kernel entries and written keys held: both shrink as flows go quiet or are evicted.
    std::size_t flows() const { return flows_.size(); }
    std::size_t keys() const { return keys_.size(); }

private:
    struct FlowKey {
        IpAddress address;
        std::uint64_t cookie = 0;
        std::uint32_t pid = 0;
        std::uint16_t port = 0;
        std::uint8_t protocol = 0;
        SockEventKind kind = SockEventKind::connect;
        bool operator==(const FlowKey&) const = default;
    };
    struct FlowKeyHash {
        std::size_t operator()(const FlowKey& k) const;
    };
    struct Seen {
        std::uint64_t repeats = 0;
        std::uint64_t read = 0;  // the read it was last seen in
    };
    struct Pending {
        std::uint64_t unwritten = 0;
        std::int64_t due_ns = 0;
        std::int64_t interval_ns = 0;
    };

    ProcessLookup lookup_;
    std::uint64_t reads_ = 0;
    // Per kernel entry (datagrams: per socket): the count already taken.
    std::unordered_map<FlowKey, Seen, FlowKeyHash> flows_;
    // Per record key (cookie 0): what is not written yet, and when it is due.
    std::unordered_map<FlowKey, Pending, FlowKeyHash> keys_;
};

}  // namespace egresswatch
