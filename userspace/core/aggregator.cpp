#include "core/aggregator.h"

#include <algorithm>

namespace egresswatch {

std::uint64_t LossRecord::total() const {
    std::uint64_t sum = 0;
    for (const auto& [reason, count] : reasons) sum += count;
    return sum;
}

std::string destination_label(const DestinationKey& key) {
    std::string addr = key.address.family == Family::ipv6 ? "[" + key.address.to_string() + "]"
                                                           : key.address.to_string();
    return addr + ":" + std::to_string(key.port) + "/" + std::string(protocol_name(key.protocol));
}

DestinationStats& Aggregator::destination(const DestinationKey& key, std::int64_t ts_ns) {
    auto [it, inserted] = destinations_.try_emplace(key);
    DestinationStats& d = it->second;
    if (inserted) {
        d.scope = classify(key.address);
        d.first_seen_ns = ts_ns;
    }
    d.first_seen_ns = std::min(d.first_seen_ns, ts_ns);
    d.last_seen_ns = std::max(d.last_seen_ns, ts_ns);
    return d;
}

void Aggregator::on_connection(const ConnectionRecord& r) {
    DestinationKey key{r.address.unmapped(), r.port, r.protocol};
    DestinationStats& d = destination(key, r.ts_ns);
    if (r.kind == SockEventKind::connect) {
        ++d.connects;
        ++counts_.connect;
    } else {
        ++d.sends;
        ++counts_.send;
    }
    if (r.host && !d.host) {
        d.host = r.host;
        d.host_source = r.host_source;
    }
    ProcessUse& use = d.processes[r.process.exe];
    use.pids.insert(r.process.pid);
    use.comms.insert(r.process.comm);
    ++use.count;

    ProcessStats& p = processes_[r.process.exe];
    p.pids.insert(r.process.pid);
    p.comms.insert(r.process.comm);
    ++p.connections;
    p.destinations.insert(key);
}

void Aggregator::on_repeat(const RepeatRecord& r) {
    DestinationKey key{r.address.unmapped(), r.port, r.protocol};
    DestinationStats& d = destination(key, r.ts_ns);
    if (r.kind == SockEventKind::connect) {
        d.connects += r.count;
        d.connect_repeats += r.count;
    } else {
        d.repeats += r.count;
    }
    ProcessUse& use = d.processes[r.exe];
    use.pids.insert(r.pid);
    if (!r.comm.empty()) use.comms.insert(r.comm);
    use.count += r.count;
    ProcessStats& p = processes_[r.exe];
    p.pids.insert(r.pid);
    p.connections += r.count;
    p.destinations.insert(key);
}

void Aggregator::on_loss(const LossRecord& r) {
    // Loss records are cumulative: keep the largest count seen for each reason.
    for (const auto& [reason, count] : r.reasons) loss_.reasons[reason] = std::max(loss_.reasons[reason], count);
    loss_.ts_ns = std::max(loss_.ts_ns, r.ts_ns);
}

void Aggregator::set_kernel_counts(const EventCounts& counts) {
    counts_.fork = counts.fork;
    counts_.undecodable = counts.undecodable;
}

}  // namespace egresswatch
