#pragma once
// Folds records into what reports are made of: destinations, the processes that reached
// them, and every counter the session kept (including what was lost).

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "core/enricher.h"
#include "core/ip_address.h"
#include "core/record_sink.h"

namespace egresswatch {

struct DestinationKey {
    IpAddress address;
    std::uint16_t port = 0;
    std::uint8_t protocol = 0;
    auto operator<=>(const DestinationKey&) const = default;
};

std::string destination_label(const DestinationKey& key);  // 198.18.0.2:80/tcp, [fd00::2]:80/tcp

struct ProcessUse {
    std::set<std::uint32_t> pids;
    std::set<std::string> comms;
    std::uint64_t count = 0;
};

struct DestinationStats {
    AddressScope scope = AddressScope::internet;
    std::optional<std::string> host;
    std::optional<std::string> host_source;
    std::uint64_t connects = 0;          // events and kernel-counted repeats
    std::uint64_t sends = 0;             // first datagram per socket, as events
    std::uint64_t repeats = 0;           // further datagrams, counted in the kernel
    std::uint64_t connect_repeats = 0;   // of `connects`, how many the kernel only counted
    std::int64_t first_seen_ns = 0;
    std::int64_t last_seen_ns = 0;
    std::map<std::string, ProcessUse> processes;  // by exe
    std::uint64_t total() const { return connects + sends + repeats; }
};

struct ProcessStats {
    std::set<std::uint32_t> pids;
    std::set<std::string> comms;
    std::uint64_t connections = 0;
    std::set<DestinationKey> destinations;
};

class Aggregator final : public RecordSink {
public:
    void on_start(const SessionStart& s) override { start_ = s; }
    void on_connection(const ConnectionRecord& r) override;
    void on_exec(const ExecRecord&) override { ++counts_.exec; }
    void on_exit(const ExitRecord&) override { ++counts_.exit; }
    void on_repeat(const RepeatRecord& r) override;
    void on_loss(const LossRecord& r) override;
    void on_stop(const SessionStop& s) override { stop_ = s; }

    // Counts only the enricher knows (forks, records that failed to decode).
    void set_kernel_counts(const EventCounts& counts);

    const std::map<DestinationKey, DestinationStats>& destinations() const { return destinations_; }
    const std::map<std::string, ProcessStats>& processes() const { return processes_; }
    const EventCounts& counts() const { return counts_; }
    const LossRecord& loss() const { return loss_; }
    const std::optional<SessionStart>& start() const { return start_; }
    const std::optional<SessionStop>& stop() const { return stop_; }

private:
    DestinationStats& destination(const DestinationKey& key, std::int64_t ts_ns);

    std::map<DestinationKey, DestinationStats> destinations_;
    std::map<std::string, ProcessStats> processes_;
    EventCounts counts_;
    LossRecord loss_;
    std::optional<SessionStart> start_;
    std::optional<SessionStop> stop_;
};

}  // namespace egresswatch
