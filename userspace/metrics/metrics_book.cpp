#include "metrics/metrics_book.h"

#include "pipeline/records.h"

namespace egresswatch {

namespace {

constexpr std::size_t kMaxEndpointKeys = 65536;

std::string address_label(const IpAddress& address, std::uint16_t port, std::uint8_t protocol) {
    ConnectionRecord r;
    r.address = address;
    r.port = port;
    r.protocol = protocol;
    return alert_destination(r);
}

}  // namespace

void MetricsBook::count_event(const char* type) {
    std::lock_guard lock(mutex_);
    ++events_[type];
}

MetricsBook::PerDestination& MetricsBook::destination(const std::string& key) {
    if (auto it = destinations_.find(key); it != destinations_.end()) return it->second;
    // "other" itself takes the last place, so at most max_labels_ series in all.
    if (destinations_.size() + 1 >= max_labels_) return destinations_["other"];
    return destinations_[key];
}

void MetricsBook::on_connection(const ConnectionRecord& r) {
    std::lock_guard lock(mutex_);
    ++events_[r.kind == SockEventKind::connect ? "connect" : "send"];
    if (r.verdict == Verdict::blocked) {
        ++blocked_;
        return;
    }
    std::string key = alert_destination(r);
    PerDestination& d = destination(key);
    if (r.kind == SockEventKind::connect)
        ++d.connections;
    else
        ++d.datagrams;
    // Only a named destination's key differs from what a repeat's address gives: unnamed ones
    // are not kept (6.8 MB at 65536 unnamed endpoints, heaptrack under bench/soak.sh).
    Endpoint endpoint{r.address.to_string(), r.port, r.protocol};
    if (key == address_label(r.address, r.port, r.protocol)) {
        endpoint_keys_.erase(endpoint);
        return;
    }
    if (endpoint_keys_.size() < kMaxEndpointKeys || endpoint_keys_.contains(endpoint))
        endpoint_keys_[endpoint] = std::move(key);
}

void MetricsBook::on_repeat(const RepeatRecord& r) {
    std::lock_guard lock(mutex_);
    for (const RepeatCount& c : r.destinations) {
        auto it = endpoint_keys_.find(Endpoint{c.address.to_string(), c.port, c.protocol});
        PerDestination& d =
            destination(it != endpoint_keys_.end() ? it->second : address_label(c.address, c.port, c.protocol));
        if (r.kind == SockEventKind::connect)
            d.connections += c.count;
        else
            d.datagrams += c.count;
    }
}

void MetricsBook::on_http(const HttpRecord& r) {
    ConnectionRecord where;
    where.address = r.address;
    where.port = r.port;
    where.protocol = 6;  // HTTP/1 and HTTP/2 both over TCP
    where.host = r.host;
    std::string key = alert_destination(where);
    std::lock_guard lock(mutex_);
    ++events_["http"];
    ++destination(key).http_requests;
}

void MetricsBook::on_alert(const AlertRecord&) {
    std::lock_guard lock(mutex_);
    ++alerts_;
}

void MetricsBook::on_loss(const LossRecord& r) {
    std::lock_guard lock(mutex_);
    // Cumulative since the start: each reason's count replaces the last.
    for (const auto& [reason, count] : r.reasons) lost_[reason] = count;
}

std::string MetricsBook::render(const RuntimeSample& runtime) const {
    std::vector<MetricFamily> families;
    // The lambda hands out references into the vector: no reallocation may move them.
    families.reserve(32);
    auto family = [&](std::string name, std::string help, MetricType type) -> MetricFamily& {
        families.push_back(MetricFamily{std::move(name), std::move(help), type, {}});
        return families.back();
    };
    {
        std::lock_guard lock(mutex_);
        std::string cap = std::to_string(max_labels_);
        auto& connections = family("egresswatch_connections_total",
                                   "Outbound connections (connect calls, repeats included), by allowlist destination; "
                                   "beyond " +
                                       cap + " destinations, under \"other\".",
                                   MetricType::counter);
        auto& datagrams = family("egresswatch_datagrams_total",
                                 "Outbound datagrams on unconnected sockets, by allowlist destination; beyond " + cap +
                                     " destinations, under \"other\".",
                                 MetricType::counter);
        auto& requests = family("egresswatch_http_requests_total",
                                "HTTP requests read (HTTP/1.x, HTTP/2, HTTPS), by allowlist destination; beyond " +
                                    cap + " destinations, under \"other\".",
                                MetricType::counter);
        for (const auto& [key, d] : destinations_) {
            if (d.connections) connections.samples.push_back({{{"destination", key}}, double(d.connections)});
            if (d.datagrams) datagrams.samples.push_back({{{"destination", key}}, double(d.datagrams)});
            if (d.http_requests) requests.samples.push_back({{{"destination", key}}, double(d.http_requests)});
        }
        family("egresswatch_destination_labels", "Destinations with a label of their own so far (at most " + cap + ").",
               MetricType::gauge)
            .samples.push_back({{}, double(destinations_.size())});
        auto& events =
            family("egresswatch_events_total", "Records the session produced, by type.", MetricType::counter);
        for (const auto& [type, n] : events_) events.samples.push_back({{{"type", type}}, double(n)});
        family("egresswatch_new_destination_alerts_total", "Alerts on destinations the --baseline does not allow.",
               MetricType::counter)
            .samples.push_back({{}, double(alerts_)});
        family("egresswatch_blocked_attempts_total", "Connections and datagrams that --enforce refused.",
               MetricType::counter)
            .samples.push_back({{}, double(blocked_)});
        auto& lost =
            family("egresswatch_lost_events_total",
                   "Events lost, by reason (docs/output.md lists them); no sample: none lost.", MetricType::counter);
        for (const auto& [reason, n] : lost_) lost.samples.push_back({{{"reason", reason}}, double(n)});
    }
    if (runtime.ringbuf_used_bytes)
        family("egresswatch_ringbuf_used_bytes", "Bytes waiting in the kernel's ring buffer at the scrape.",
               MetricType::gauge)
            .samples.push_back({{}, double(*runtime.ringbuf_used_bytes)});
    if (runtime.ringbuf_size_bytes)
        family("egresswatch_ringbuf_size_bytes", "The ring buffer's size (--ringbuf-mib).", MetricType::gauge)
            .samples.push_back({{}, double(*runtime.ringbuf_size_bytes)});
    family("egresswatch_bpf_stats_enabled",
           "1 when kernel.bpf_stats_enabled is set: only then does the kernel count the programs' runs and time.",
           MetricType::gauge)
        .samples.push_back({{}, runtime.bpf_stats_enabled ? 1.0 : 0.0});
    if (runtime.bpf_stats_enabled) {
        auto& runs = family("egresswatch_bpf_program_runs_total",
                            "Runs of each BPF program (kernel.bpf_stats_enabled).", MetricType::counter);
        auto& seconds = family("egresswatch_bpf_program_run_seconds_total",
                               "Time each BPF program ran (kernel.bpf_stats_enabled).", MetricType::counter);
        for (const RuntimeSample::Program& p : runtime.programs) {
            runs.samples.push_back({{{"program", p.name}}, double(p.runs)});
            seconds.samples.push_back({{{"program", p.name}}, double(p.run_time_ns) / 1e9});
        }
    }
    if (runtime.cpu_seconds)
        family("egresswatch_process_cpu_seconds_total", "CPU time of the agent itself, user and system.",
               MetricType::counter)
            .samples.push_back({{}, *runtime.cpu_seconds});
    if (runtime.resident_bytes)
        family("egresswatch_process_resident_memory_bytes", "Resident memory of the agent itself.", MetricType::gauge)
            .samples.push_back({{}, double(*runtime.resident_bytes)});
    if (runtime.clickhouse) {
        family("egresswatch_clickhouse_rows_sent_total", "Records ClickHouse took (--sink).", MetricType::counter)
            .samples.push_back({{}, double(runtime.clickhouse->rows_sent)});
        family("egresswatch_clickhouse_rows_waiting",
               "Records waiting in the spool on disk for ClickHouse to take them (--sink).", MetricType::gauge)
            .samples.push_back({{}, double(runtime.clickhouse->rows_waiting)});
        family("egresswatch_clickhouse_spool_bytes", "Bytes in the spool on disk (--sink-spool-size bounds it).",
               MetricType::gauge)
            .samples.push_back({{}, double(runtime.clickhouse->spool_bytes)});
    }
    if (start_ns_)
        family("egresswatch_start_time_seconds", "When the session started, in seconds since the epoch.",
               MetricType::gauge)
            .samples.push_back({{}, double(start_ns_) / 1e9});
    return render_exposition(families);
}

}  // namespace egresswatch
