#pragma once
// Folds records into what reports are made of: destinations, the processes that reached
// them, and every counter the session kept (including what was lost). Built to hold
// 100k destinations and 10k processes in a few tens of MiB: names are interned, per-
// destination process lists are flat, and per-process destination lists are derived when
// a report asks for them instead of being stored twice.
//
// Attempts --enforce refused are kept apart, in the same shape: they reached nothing, so
// they are neither destinations nor anything an allowlist made from this session allows.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/bounded_id_set.h"
#include "base/ip_address.h"
#include "base/string_pool.h"
#include "pipeline/enricher.h"
#include "pipeline/record_sink.h"

namespace egresswatch {

// A destination is an address, port and protocol, and the name the client used for it
// when one is known: two virtual hosts on one address are two destinations.
struct DestinationKey {
    IpAddress address;
    std::uint16_t port = 0;
    std::uint8_t protocol = 0;
    std::uint32_t host = 0;  // StringPool id, 0: no name known
    auto operator<=>(const DestinationKey&) const = default;
    bool operator==(const DestinationKey&) const = default;
};

// noexcept, so the map's nodes do not keep each key's hash: 8 bytes less per destination.
struct DestinationKeyHash {
    std::size_t operator()(const DestinationKey& k) const noexcept;
};

std::string destination_label(const DestinationKey& key);  // 198.18.0.2:80/tcp, [fd00::2]:80/tcp

// Per-list bounds: a report lists at most this many pids for one destination and exe (or
// one exe), and says when it stopped.
constexpr std::size_t kMaxPidsPerDestination = 64;
constexpr std::size_t kMaxPidsPerProcess = 1024;
// Past this many images a destination is taken to be reached by any (allowlist.yaml says so).
constexpr std::size_t kMaxImagesPerDestination = 64;
// A fleet report lists at most this many hosts for one destination, and says when it stopped.
constexpr std::size_t kMaxHostsPerDestination = 4096;

struct ProcessUse {
    std::uint64_t count = 0;
    BoundedIdSet pids;
    BoundedIdSet comms;     // StringPool ids
    std::uint32_t exe = 0;  // StringPool id
};

// The processes that reached one destination, in the order they came: nearly always one, kept
// in place; past one, all of them move to the heap together, so they stay one array. A vector
// here was 24 bytes plus a 64-byte allocation per destination: 2.4 MB more at 100k.
class ProcessUses {
public:
    // Moved with its destination, never copied (DestinationStats holds a unique_ptr too).
    ProcessUses() = default;
    ProcessUses(ProcessUses&&) noexcept = default;
    ProcessUses& operator=(ProcessUses&&) noexcept = default;

    ProcessUse* begin() { return many_ ? many_->data() : &one_; }
    ProcessUse* end() { return many_ ? many_->data() + many_->size() : &one_ + (has_one_ ? 1 : 0); }
    const ProcessUse* begin() const { return const_cast<ProcessUses*>(this)->begin(); }
    const ProcessUse* end() const { return const_cast<ProcessUses*>(this)->end(); }
    std::size_t size() const { return static_cast<std::size_t>(end() - begin()); }
    bool empty() const { return size() == 0; }
    ProcessUse& add(ProcessUse use);

private:
    ProcessUse one_;
    std::unique_ptr<std::vector<ProcessUse>> many_;
    bool has_one_ = false;
};

// Who reached a destination beyond one host's processes: container images and names, and the
// further hosts of a fleet report. Rare, so a destination holds it only once it has any:
// three sets in place were 48 bytes per destination, 4.8 MB at 100k.
struct DestinationWorkloads {
    // StringPool ids of the workload_image() (allowlist/image_reference.h) of each process that
    // reached it, and of the containers' names.
    BoundedIdSet images;
    BoundedIdSet containers;
    BoundedIdSet other_hosts;  // hostnames of sessions that saw it, besides first_host
};

struct DestinationStats {
    std::uint64_t connects = 0;         // events and kernel-counted repeats
    std::uint64_t sends = 0;            // first datagram per socket, as events
    std::uint64_t repeats = 0;          // further datagrams, counted in the kernel
    std::uint64_t connect_repeats = 0;  // of `connects`, how many the kernel only counted
    std::uint64_t unverified = 0;       // of connects and sends, how many fail-open let out unchecked
    std::int64_t first_seen_ns = 0;
    std::int64_t last_seen_ns = 0;
    ProcessUses processes;  // few per destination: a linear scan beats a tree
    std::unique_ptr<DestinationWorkloads> workloads;
    std::uint32_t host = 0;  // StringPool id, 0: no name known (== key.host)
    std::uint32_t host_source = 0;
    std::uint32_t first_host = 0;  // StringPool id of the hostname of the first session that saw it
    AddressScope scope = AddressScope::internet;
    bool reached_from_host = false;  // by a process in no container (kNoContainer, before workloads exist)

    std::uint64_t total() const { return connects + sends + repeats; }
    // Empty when no container reached it.
    const BoundedIdSet& images() const;
    const BoundedIdSet& containers() const;
};

// One HTTP endpoint: host (or address), method and path (query values redacted).
struct EndpointKey {
    std::string host;
    std::uint16_t port = 0;
    bool tls = false;
    std::string method;
    std::string path;
    auto operator<=>(const EndpointKey&) const = default;
};

// http[s]://host[:port]/path, the port left out when it is the scheme's default.
std::string endpoint_url(const EndpointKey& key);

// Latencies kept for the median; min and max are exact beyond it.
constexpr std::size_t kMaxLatencySamples = 10000;

struct EndpointStats {
    std::uint64_t count = 0;
    std::map<int, std::uint64_t> statuses;  // 0: no response seen
    std::vector<double> latencies_ms;
    std::uint64_t timed = 0;  // requests with a response time
    double min_ms = 0, max_ms = 0;
    std::uint64_t response_bytes = 0;
    std::optional<std::string> file_type;
    BoundedIdSet exes;  // StringPool ids
    std::int64_t first_seen_ns = 0;
    std::optional<double> median_ms() const;
};

struct ProcessStats {
    BoundedIdSet pids;
    BoundedIdSet comms;
    std::uint64_t connections = 0;
};

class Aggregator final : public RecordSink {
public:
    // Several sessions may be read one after another (a fleet's, from report --from
    // clickhouse): each start begins the next, and its loss adds to the ones before.
    void on_start(const SessionStart& s) override;
    void on_connection(const ConnectionRecord& r) override;
    void on_exec(const ExecRecord&) override { ++counts_.exec; }
    void on_exit(const ExitRecord&) override { ++counts_.exit; }
    void on_repeat(const RepeatRecord& r) override;
    void on_loss(const LossRecord& r) override;
    void on_stop(const SessionStop& s) override {
        stop_ = s;
        ++sessions_stopped_;
    }
    void on_dns(const DnsLookupRecord&) override { ++counts_.dns; }
    void on_tls(const TlsRecord& r) override;
    void on_http(const HttpRecord& r) override;
    void on_tls_end(const TlsEndRecord& r) override;
    void on_alert(const AlertRecord& r) override { alerts_.push_back(r); }

    // Counts only the enricher knows (forks, records that failed to decode).
    void set_kernel_counts(const EventCounts& counts);

    using DestinationMap = std::unordered_map<DestinationKey, DestinationStats, DestinationKeyHash>;
    const DestinationMap& destinations() const { return destinations_; }
    // Sorted by address, port, protocol: the order every output uses.
    std::vector<DestinationMap::const_pointer> sorted_destinations() const;
    // Refused attempts: `connects` and `sends` count them, processes[].count per exe.
    const DestinationMap& blocked() const { return blocked_; }
    std::vector<DestinationMap::const_pointer> sorted_blocked() const;
    // Exe path -> its stats, sorted by path.
    std::map<std::string, const ProcessStats*> processes() const;
    // Exe path -> the destinations it reached, sorted.
    std::map<std::string, std::vector<DestinationKey>> destinations_by_process() const;

    const ProcessUse* use_by(const DestinationStats& d, const std::string& exe) const;
    // A destination's processes, sorted by exe path.
    std::vector<const ProcessUse*> sorted_uses(const DestinationStats& d) const;
    std::vector<std::string> names(const BoundedIdSet& ids) const;
    // The images a destination's allowlist entry lists, sorted: none when no container reached
    // it (kNoContainer alone adds nothing) or when more than kMaxImagesPerDestination did.
    std::vector<std::string> images_of(const DestinationStats& d) const;
    // The workload_image() of a container, by the StringPool id of its name in `containers`.
    const std::string& image_of_container(std::uint32_t name_id) const;
    const std::string& name(std::uint32_t id) const { return names_.at(id); }

    const std::map<EndpointKey, EndpointStats>& endpoints() const { return endpoints_; }

    // HTTPS connections whose requests were not visible, by (exe, reason): the summary says each
    // in one line, report.json counts them. Few: a process's runtime gives one reason.
    using NotVisibleKey = std::pair<std::string, std::string>;
    const std::map<NotVisibleKey, std::uint64_t>& https_not_visible() const { return https_not_visible_; }

    // connect and send count what got out (unverified included); blocked what was refused.
    struct Counts : EventCounts {
        std::uint64_t dns = 0, tls = 0, http = 0;
        std::uint64_t http_hpack_desync = 0;
        std::uint64_t tls_end = 0, https_not_visible = 0;  // HTTP/2 requests whose header block was not decoded whole
        std::uint64_t blocked = 0, unverified = 0;
    };
    const Counts& counts() const { return counts_; }
    // All sessions' loss: each session's lost lines are cumulative, so its largest count per
    // reason, summed over the sessions.
    LossRecord loss() const;
    // The last session's start; sessions() counts them, hosts() names the machines they ran on.
    const std::optional<SessionStart>& start() const { return start_; }
    std::size_t sessions() const { return sessions_; }
    std::size_t sessions_stopped() const { return sessions_stopped_; }
    std::vector<std::string> hosts() const;
    // The hosts that saw a destination, sorted: listed only when the sessions ran on more than
    // one (a one-host report reads as before).
    std::vector<std::string> seen_on(const DestinationStats& d) const;
    const std::optional<SessionStop>& stop() const { return stop_; }
    // In the order they were raised; already one per destination.
    const std::vector<AlertRecord>& alerts() const { return alerts_; }
    // A baseline was given, so the reports have an alerts section, empty or not.
    bool has_baseline() const { return (start_ && start_->baseline) || !alerts_.empty(); }
    // Enforcement was on, so the reports say what it refused, nothing or not.
    bool has_enforcement() const { return (start_ && start_->enforce) || !blocked_.empty() || counts_.unverified > 0; }

private:
    DestinationStats& destination(const DestinationKey& key, std::int64_t ts_ns);
    void on_blocked(const ConnectionRecord& r);
    // The destination a record without a name belongs to: the named one this process
    // used at that address if there is one.
    DestinationKey key_for(const IpAddress& address, std::uint16_t port, std::uint8_t protocol,
                           const std::optional<std::string>& host, const std::string& exe);
    // A name learned from payload for a connection the kernel only counted.
    void note_named(const ProcessRef& process, const IpAddress& address, std::uint16_t port,
                    const std::optional<std::string>& host, std::string_view source, std::int64_t ts_ns);
    void count_use(DestinationStats& d, const std::string& exe, std::uint32_t pid, const std::string& comm,
                   std::uint64_t count);
    ProcessUse& use_in(DestinationStats& d, std::uint32_t exe_id, std::uint32_t pid, std::uint32_t comm_id);
    void note_workload(DestinationStats& d, const ProcessRef& process);
    std::vector<DestinationMap::const_pointer> sorted(const DestinationMap& map) const;

    DestinationMap destinations_;
    std::unordered_map<std::uint32_t, std::uint32_t> container_images_;  // name id -> image id
    std::map<NotVisibleKey, std::uint64_t> https_not_visible_;
    DestinationMap blocked_;
    // (address, port, protocol) -> the host ids seen there.
    std::unordered_map<DestinationKey, std::vector<std::uint32_t>, DestinationKeyHash> hosts_at_;
    std::map<EndpointKey, EndpointStats> endpoints_;
    std::unordered_map<std::uint32_t, ProcessStats> processes_;  // by exe id
    StringPool names_;
    Counts counts_;
    LossRecord loss_;          // the current session's
    LossRecord earlier_loss_;  // summed over the sessions before it
    std::size_t sessions_ = 0, sessions_stopped_ = 0;
    std::uint32_t session_host_ = 0;  // StringPool id of the current session's hostname
    BoundedIdSet hosts_;
    std::optional<SessionStart> start_;
    std::optional<SessionStop> stop_;
    std::vector<AlertRecord> alerts_;
};

}  // namespace egresswatch
