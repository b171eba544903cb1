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
//
// Memory: one map entry per kernel entry, which is also its record key's for connects (nearly
// every entry); a datagram socket's entry and an IPv4-mapped address add their key's. Reads
// stream in (begin_read, add, end_read): a read once copied the whole kernel map twice, 15 MB
// held for a moment every 5 s at 262144 entries. At 100k destinations the ledger held 18 MB in
// two maps and holds 10 MB in one (bench/soak.sh, heaptrack).

#include <cstdint>
#include <functional>
#include <optional>
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

    // One read of every counter (entries with no repeats may be left out, one seen twice counts
    // once): begin_read, add each, end_read. `final`: the session ends, write everything still
    // unwritten. Records go to `out` (the flow inspector, which lets a held connect out before
    // its repeats).
    void begin_read();
    void add(const FlowCount& counter);
    void end_read(std::int64_t now_ns, bool final, KernelRecordSink& out);
    // All three, for a read already in a vector.
    void read(const std::vector<FlowCount>& counters, std::int64_t now_ns, bool final, KernelRecordSink& out);

    // Kernel entries held, and keys with growth to write or a back-off running: both shrink as
    // flows go quiet or are evicted. Counted on demand (tests and diagnostics).
    std::size_t flows() const;
    std::size_t keys() const;

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
    // noexcept, so the map's nodes do not keep each key's hash.
    struct FlowKeyHash {
        std::size_t operator()(const FlowKey& k) const noexcept;
    };
    // An entry plays up to two parts: a kernel entry's (`read` is the current read's) and a record
    // key's (cookie 0, address unmapped; `interval_s` is not 0). 24 bytes, so that a map node is
    // 72 and takes 80 from malloc: 100k entries in 8.8 MB.
    struct Entry {
        std::uint64_t taken = 0;      // the kernel's count as of the last read that saw it
        std::uint64_t unwritten = 0;  // growth not written yet
        std::uint32_t due_s = 0;      // when it is written next, in seconds after the first read
        std::uint8_t interval_s = 0;  // the back-off after the next line, 0: not a record key now
        std::uint8_t read = 0;        // the read that last saw it in the kernel (1..255 again and again), 0: none
    };
    static_assert(sizeof(Entry) == 24);

    ProcessLookup lookup_;
    std::uint8_t read_ = 0;                  // the current read, never 0
    std::optional<std::int64_t> origin_ns_;  // the first read's time: due_s counts from it
    std::unordered_map<FlowKey, Entry, FlowKeyHash> entries_;
};

}  // namespace egresswatch
