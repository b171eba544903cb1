#pragma once
// What the session has counted, kept for Prometheus: a sink of the pipeline that counts each
// record as it passes, and renders the counts in the text exposition format on demand, from
// the metrics server's thread (so every count is under one mutex).
//
// Destinations are labelled by their allowlist key ("api.test:443/tcp"), the name an operator
// allows or blocks them by. A host that reaches many destinations would make one series each
// without end: the first max_destination_labels keys get a label of their own, and every later
// one is counted under destination="other", so each series only ever grows.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "metrics/exposition.h"
#include "pipeline/record_sink.h"

namespace egresswatch {

// What the kernel side and the agent say at the moment of a scrape, besides the records.
struct RuntimeSample {
    std::optional<std::uint64_t> ringbuf_used_bytes;
    std::optional<std::uint64_t> ringbuf_size_bytes;
    struct Program {
        std::string name;
        std::uint64_t runs = 0;
        std::uint64_t run_time_ns = 0;
    };
    bool bpf_stats_enabled = false;  // kernel.bpf_stats_enabled: without it the kernel counts nothing
    std::vector<Program> programs;
    std::optional<double> cpu_seconds;
    std::optional<std::uint64_t> resident_bytes;
    // --sink clickhouse: rows the server took, rows waiting in the spool, the spool's size.
    struct Sink {
        std::uint64_t rows_sent = 0, rows_waiting = 0, spool_bytes = 0;
    };
    std::optional<Sink> clickhouse;
};

class MetricsBook final : public RecordSink {
public:
    static constexpr std::size_t kDefaultDestinationLabels = 500;
    explicit MetricsBook(std::size_t max_destination_labels = kDefaultDestinationLabels, std::int64_t start_ns = 0)
        : max_labels_(max_destination_labels), start_ns_(start_ns) {}

    void on_connection(const ConnectionRecord& r) override;
    void on_repeat(const RepeatRecord& r) override;
    void on_exec(const ExecRecord&) override { count_event("exec"); }
    void on_exit(const ExitRecord&) override { count_event("exit"); }
    void on_dns(const DnsLookupRecord&) override { count_event("dns"); }
    void on_tls(const TlsRecord&) override { count_event("tls"); }
    void on_tls_end(const TlsEndRecord&) override { count_event("tls_end"); }
    void on_http(const HttpRecord& r) override;
    void on_alert(const AlertRecord& r) override;
    void on_loss(const LossRecord& r) override;

    std::string render(const RuntimeSample& runtime) const;

private:
    struct PerDestination {
        std::uint64_t connections = 0;
        std::uint64_t datagrams = 0;
        std::uint64_t http_requests = 0;
    };
    using Endpoint = std::tuple<std::string, std::uint16_t, std::uint8_t>;  // address, port, protocol

    void count_event(const char* type);
    PerDestination& destination(const std::string& key);

    mutable std::mutex mutex_;
    std::size_t max_labels_;
    std::int64_t start_ns_;
    std::map<std::string, PerDestination> destinations_;  // by label, "other" included
    // The key a repeat is counted under, for the endpoints whose last event had a name (for
    // the others it is the address label). Bounded (a repeat of an endpoint forgotten is
    // labelled by its address).
    std::map<Endpoint, std::string> endpoint_keys_;
    std::map<std::string, std::uint64_t> events_;
    std::uint64_t alerts_ = 0;
    std::uint64_t blocked_ = 0;
    std::map<std::string, std::uint64_t> lost_;
};

}  // namespace egresswatch
