#include "pipeline/repeat_ledger.h"

#include <algorithm>
#include <tuple>

namespace egresswatch {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
// The first interval after a key's first line, doubled after each line up to the last.
constexpr std::uint8_t kFirstInterval = 5;  // seconds
constexpr int kLongestInterval = 60;
// Reads come every 5 s by the session's 1 s ticks: one due a moment later waits for this one.
constexpr std::int64_t kSlack = kSecond;

}  // namespace

std::size_t RepeatLedger::FlowKeyHash::operator()(const FlowKey& k) const noexcept {
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

void RepeatLedger::begin_read() { read_ = read_ == 255 ? 1 : read_ + 1; }

void RepeatLedger::add(const FlowCount& c) {
    FlowKey flow{c.address, c.cookie, c.pid, c.port, c.protocol, c.kind};
    Entry& seen = entries_[flow];
    // Lower than last time: the entry was evicted and made again since, counting from 0.
    std::uint64_t growth = c.repeats >= seen.taken ? c.repeats - seen.taken : c.repeats;
    seen.taken = c.repeats;
    seen.read = read_;
    if (growth == 0) return;
    // One record key for the socket's address family either way, as every record has; for a
    // connect it is nearly always the kernel entry itself. Nodes stay put when the map grows,
    // so `seen` is still good if this adds one.
    FlowKey record_key{c.address.unmapped(), 0, c.pid, c.port, c.protocol, c.kind};
    Entry& key = record_key == flow ? seen : entries_[record_key];
    if (key.interval_s == 0) {
        key.due_s = 0;  // written at once
        key.interval_s = kFirstInterval;
    }
    key.unwritten += growth;
}

void RepeatLedger::read(const std::vector<FlowCount>& counters, std::int64_t now_ns, bool final,
                        KernelRecordSink& out) {
    begin_read();
    for (const FlowCount& c : counters) add(c);
    end_read(now_ns, final, out);
}

std::size_t RepeatLedger::flows() const {
    return static_cast<std::size_t>(
        std::count_if(entries_.begin(), entries_.end(), [this](const auto& e) { return e.second.read == read_; }));
}

std::size_t RepeatLedger::keys() const {
    return static_cast<std::size_t>(
        std::count_if(entries_.begin(), entries_.end(), [](const auto& e) { return e.second.interval_s != 0; }));
}

void RepeatLedger::end_read(std::int64_t now_ns, bool final, KernelRecordSink& out) {
    if (!origin_ns_) origin_ns_ = now_ns;
    auto now_s = static_cast<std::uint32_t>(std::max<std::int64_t>(0, now_ns - *origin_ns_) / kSecond);
    auto due_ns = [this](const Entry& e) { return *origin_ns_ + std::int64_t{e.due_s} * kSecond; };
    // Pointers into the map's nodes: erasing others leaves them good, and they are 16 bytes
    // where a copy of the key was 48 (9.4 MB at the end of a soak with 100k keys due).
    std::vector<std::pair<const FlowKey*, std::uint64_t>> due;
    for (auto it = entries_.begin(); it != entries_.end();) {
        Entry& e = it->second;
        // Missing from this read: gone from the kernel. If it comes back it counts from 0 again,
        // so forgetting its count is exact, and keeps the map as small as the kernel's.
        bool in_kernel = e.read == read_;
        if (!in_kernel) e.taken = e.read = 0;
        if (e.interval_s != 0 && (final || now_ns + kSlack >= due_ns(e))) {
            if (e.unwritten == 0) {
                e.interval_s = 0;  // quiet for a whole interval: its back-off starts again
            } else {
                due.emplace_back(&it->first, e.unwritten);
                e.unwritten = 0;
                e.due_s = now_s + e.interval_s;
                e.interval_s = static_cast<std::uint8_t>(std::min(2 * e.interval_s, kLongestInterval));
            }
        }
        if (!in_kernel && e.interval_s == 0)
            it = entries_.erase(it);
        else
            ++it;
    }
    std::sort(due.begin(), due.end(), [](const auto& a, const auto& b) {
        const FlowKey &x = *a.first, &y = *b.first;
        return std::tie(x.kind, x.pid, x.address, x.port, x.protocol) <
               std::tie(y.kind, y.pid, y.address, y.port, y.protocol);
    });
    for (std::size_t i = 0; i < due.size();) {
        const FlowKey& first = *due[i].first;
        RepeatRecord r;
        r.ts_ns = now_ns;
        r.kind = first.kind;
        r.pid = first.pid;
        Process process = lookup_(first.pid);
        r.exe = std::move(process.exe);
        r.comm = std::move(process.comm);
        for (; i < due.size() && due[i].first->kind == r.kind && due[i].first->pid == r.pid &&
               r.destinations.size() < kMaxRepeatDestinations;
             ++i) {
            const auto& [key, count] = due[i];
            r.destinations.push_back({key->address, key->port, key->protocol, count});
        }
        out.on_repeat(r);
    }
}

}  // namespace egresswatch
