#include "pipeline/repeat_ledger.h"

#include <algorithm>
#include <tuple>

namespace egresswatch {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
// The first interval after a key's first line, doubled after each line up to the last.
constexpr std::int64_t kFirstInterval = 5 * kSecond;
constexpr std::int64_t kLongestInterval = 60 * kSecond;
// Reads come every 5 s by the session's 1 s ticks: one due a moment later waits for this one.
constexpr std::int64_t kSlack = kSecond;

}  // namespace

std::size_t RepeatLedger::FlowKeyHash::operator()(const FlowKey& k) const {
    // FNV-1a over the fields that make the key.
    std::uint64_t h = 1469598103934665603ull;
    auto mix = [&h](std::uint64_t v, int bytes) {
        for (int i = 0; i < bytes; ++i, v >>= 8) h = (h ^ (v & 0xff)) * 1099511628211ull;
    };
    for (std::uint8_t b : k.address.bytes) mix(b, 1);
    mix(static_cast<std::uint8_t>(k.address.family), 1);
    mix(k.cookie, 8);
    mix(k.pid, 4);
    mix(k.port, 2);
    mix(k.protocol, 1);
    mix(static_cast<std::uint8_t>(k.kind), 1);
    return static_cast<std::size_t>(h);
}

void RepeatLedger::read(const std::vector<FlowCount>& counters, std::int64_t now_ns, bool final,
                        KernelRecordSink& out) {
    ++reads_;
    for (const FlowCount& c : counters) {
        FlowKey flow{c.address, c.cookie, c.pid, c.port, c.protocol, c.kind};
        Seen& seen = flows_[flow];
        // Lower than last time: the entry was evicted and made again since, counting from 0.
        std::uint64_t growth = c.repeats >= seen.repeats ? c.repeats - seen.repeats : c.repeats;
        seen = {c.repeats, reads_};
        if (growth == 0) continue;
        // One record key for the socket's address family either way, as every record has.
        flow.cookie = 0;
        flow.address = flow.address.unmapped();
        auto [it, added] = keys_.try_emplace(flow);
        if (added) it->second = {0, now_ns, kFirstInterval};
        it->second.unwritten += growth;
    }
    // An entry missing from this read is gone from the kernel: if its key comes back, it
    // counts from 0 again, so forgetting it is exact, and keeps this map as small as the kernel's.
    std::erase_if(flows_, [this](const auto& entry) { return entry.second.read != reads_; });

    std::vector<std::pair<FlowKey, std::uint64_t>> due;
    for (auto it = keys_.begin(); it != keys_.end();) {
        Pending& p = it->second;
        bool is_due = final || now_ns + kSlack >= p.due_ns;
        if (is_due && p.unwritten == 0) {
            it = keys_.erase(it);  // quiet for a whole interval: its back-off starts again
            continue;
        }
        if (is_due) {
            due.emplace_back(it->first, p.unwritten);
            p.unwritten = 0;
            p.due_ns = now_ns + p.interval_ns;
            p.interval_ns = std::min(2 * p.interval_ns, kLongestInterval);
        }
        ++it;
    }
    std::sort(due.begin(), due.end(), [](const auto& a, const auto& b) {
        const FlowKey &x = a.first, &y = b.first;
        return std::tie(x.kind, x.pid, x.address, x.port, x.protocol) <
               std::tie(y.kind, y.pid, y.address, y.port, y.protocol);
    });
    for (std::size_t i = 0; i < due.size();) {
        const FlowKey& first = due[i].first;
        RepeatRecord r;
        r.ts_ns = now_ns;
        r.kind = first.kind;
        r.pid = first.pid;
        Process process = lookup_(first.pid);
        r.exe = std::move(process.exe);
        r.comm = std::move(process.comm);
        for (; i < due.size() && due[i].first.kind == r.kind && due[i].first.pid == r.pid &&
               r.destinations.size() < kMaxRepeatDestinations;
             ++i) {
            const auto& [key, count] = due[i];
            r.destinations.push_back({key.address, key.port, key.protocol, count});
        }
        out.on_repeat(r);
    }
}

}  // namespace egresswatch
