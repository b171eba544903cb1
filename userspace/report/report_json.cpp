#include <string_view>
#include <unordered_map>

#include "base/timefmt.h"
#include "report/json_stream.h"
#include "report/report.h"

namespace egresswatch {
namespace {

constexpr int kReportVersion = 1;

Json ids_json(const BoundedIdSet& set) { return Json(std::vector<std::uint32_t>(set.ids().begin(), set.ids().end())); }

Json counters_json(const Aggregator& agg) {
    const Aggregator::Counts& c = agg.counts();
    return Json{{"events",
                 {{"connect", c.connect},
                  {"send", c.send},
                  {"repeat_connects", 0},
                  {"repeat_datagrams", 0},
                  {"exec", c.exec},
                  {"fork", c.fork},
                  {"exit", c.exit},
                  {"dns", c.dns},
                  {"tls", c.tls},
                  {"http", c.http},
                  {"http_hpack_desync", c.http_hpack_desync},
                  {"tls_end", c.tls_end},
                  {"undecodable", c.undecodable}}},
                {"lost", [&] {
                     LossRecord loss = agg.loss();
                     return Json{{"total", loss.total()}, {"reasons", loss.reasons}};
                 }()}};
}

Json session_json(const Aggregator& agg) {
    Json s = Json::object();
    if (const auto& start = agg.start()) {
        s["mode"] = start->mode;
        if (!start->command.empty()) s["command"] = start->command;
        s["cgroup"] = start->cgroup;
        s["started"] = format_timestamp(start->ts_ns);
        s["egresswatch_version"] = start->version;
        if (!start->hostname.empty()) s["hostname"] = start->hostname;
        if (start->baseline) s["baseline"] = *start->baseline;
        if (start->enforce) s["enforce"] = *start->enforce;
        if (start->enforce_mode) s["enforce_mode"] = *start->enforce_mode;
    }
    if (const auto& stop = agg.stop()) {
        s["ended"] = format_timestamp(stop->ts_ns);
        s["exit_code"] = stop->exit_code ? Json(*stop->exit_code) : Json(nullptr);
    }
    // Without its stop record, a session ended without egresswatch finishing it (killed, or
    // its disk full): its counts stop at its last record, and loss after that is unknown.
    s["complete"] = agg.stop().has_value();
    // A fleet's sessions read together (report --from clickhouse): the fields above are the
    // last one's.
    if (agg.sessions() > 1) {
        s["sessions"] = agg.sessions();
        s["hosts"] = agg.hosts();
    }
    return s;
}

Json endpoint_entry_json(const Aggregator& agg, const EndpointKey& key, const EndpointStats& e) {
    Json statuses = Json::object();
    for (const auto& [status, count] : e.statuses) statuses[status ? std::to_string(status) : "none"] = count;
    Json entry{{"host", key.host}, {"port", key.port}, {"tls", key.tls},      {"method", key.method},
               {"path", key.path}, {"count", e.count}, {"statuses", statuses}};
    if (e.timed)
        entry["latency_ms"] = Json{{"min", e.min_ms}, {"median", *e.median_ms()}, {"max", e.max_ms}};
    else
        entry["latency_ms"] = nullptr;
    entry["response_bytes"] = e.response_bytes;
    entry["kind"] = e.file_type ? "file" : "api";
    entry["file_type"] = e.file_type ? Json(*e.file_type) : Json(nullptr);
    entry["processes"] = agg.names(e.exes);
    entry["first_seen"] = format_timestamp(e.first_seen_ns);
    return entry;
}

Json alert_json(const AlertRecord& a) {
    const ConnectionRecord& c = a.connection;
    Json entry{{"destination", alert_destination(c)}};
    if (c.host) entry["host"] = *c.host;
    entry["address"] = c.address.to_string();
    entry["port"] = c.port;
    entry["proto"] = std::string(protocol_name(c.protocol));
    entry["scope"] = std::string(scope_name(classify(c.address)));
    entry["first_seen"] = format_timestamp(a.ts_ns);
    entry["exe"] = c.process.exe;
    entry["comm"] = c.process.comm;
    entry["pid"] = c.process.pid;
    Json ancestry = Json::array();
    for (const Ancestor& p : c.process.ancestry)
        ancestry.push_back(Json{{"pid", p.pid}, {"comm", p.comm}, {"exe", p.exe}});
    entry["ancestry"] = std::move(ancestry);
    entry["reason"] = a.reason;
    return entry;
}

Json process_uses_json(const Aggregator& agg, const DestinationStats& d, const char* count_key) {
    Json processes = Json::array();
    for (const ProcessUse* use : agg.sorted_uses(d)) {
        Json p{{"exe", agg.name(use->exe)},
               {"comms", agg.names(use->comms)},
               {"pids", ids_json(use->pids)},
               {count_key, use->count}};
        if (use->pids.truncated()) p["pids_truncated"] = true;
        processes.push_back(std::move(p));
    }
    return processes;
}

Json endpoint_json(const DestinationKey& key, const DestinationStats& d, const Aggregator& agg) {
    Json entry{{"address", key.address.to_string()},
               {"port", key.port},
               {"proto", std::string(protocol_name(key.protocol))},
               {"family", key.address.family == Family::ipv4 ? "ipv4" : "ipv6"},
               {"scope", std::string(scope_name(d.scope))}};
    if (d.host) {
        entry["host"] = agg.name(d.host);
        entry["host_source"] = agg.name(d.host_source);
    }
    return entry;
}

Json blocked_json(const Aggregator& agg, const DestinationKey& key, const DestinationStats& d) {
    Json entry = endpoint_json(key, d, agg);
    entry["attempts"] = d.connects + d.sends;
    entry["connects"] = d.connects;
    entry["datagrams"] = d.sends;
    entry["first_seen"] = format_timestamp(d.first_seen_ns);
    entry["last_seen"] = format_timestamp(d.last_seen_ns);
    entry["processes"] = process_uses_json(agg, d, "attempts");
    return entry;
}

// What the summary must say before the lists it summarizes are written.
struct ReportTotals {
    std::size_t destinations = 0, internet = 0, processes = 0, files = 0;
    std::uint64_t repeat_connects = 0, repeat_datagrams = 0;
};

using DestinationRefs = std::vector<Aggregator::DestinationMap::const_pointer>;

// Each process's destinations in scope, as positions in the sorted destinations: 4 bytes
// per (destination, process) instead of a copy of every key per process.
using ReachedByExe = std::unordered_map<std::string_view, std::vector<std::uint32_t>>;

ReachedByExe reached_by_exe(const Aggregator& agg, const DestinationRefs& sorted, const ReportOptions& options) {
    ReachedByExe out;
    for (std::size_t i = 0; i < sorted.size(); ++i) {
        const DestinationStats& d = sorted[i]->second;
        if (!scope_matches(d.scope, options.scope)) continue;
        for (const ProcessUse& use : d.processes) out[agg.name(use.exe)].push_back(static_cast<std::uint32_t>(i));
    }
    return out;
}

void write_process(JsonStream& js, const Aggregator& agg, const std::string& exe, const ProcessStats& p,
                   const std::vector<std::uint32_t>& reached, const DestinationRefs& sorted) {
    js.begin_object();
    js.field("exe", exe);
    js.field("comms", agg.names(p.comms));
    js.field("pids", ids_json(p.pids));
    js.field("connections", p.connections);
    js.key("destinations");
    js.begin_array();
    for (std::uint32_t i : reached) js.value(destination_label(sorted[i]->first));
    js.end();
    js.key("internet_destinations");
    js.begin_array();
    for (std::uint32_t i : reached)
        if (sorted[i]->second.scope == AddressScope::internet) js.value(destination_label(sorted[i]->first));
    js.end();
    if (p.pids.truncated()) js.field("pids_truncated", true);
    js.end();
}

}  // namespace

void write_report(std::ostream& out, const Aggregator& agg, const ReportOptions& options) {
    DestinationRefs sorted = agg.sorted_destinations();
    ReachedByExe reached = reached_by_exe(agg, sorted, options);
    ReportTotals totals;
    for (auto entry_ptr : sorted) {
        const DestinationStats& d = entry_ptr->second;
        totals.repeat_datagrams += d.repeats;
        totals.repeat_connects += d.connect_repeats;
        if (!scope_matches(d.scope, options.scope)) continue;
        ++totals.destinations;
        if (d.scope == AddressScope::internet) ++totals.internet;
    }
    auto processes = agg.processes();
    for (const auto& [exe, p] : processes)
        if (auto it = reached.find(exe); it != reached.end() && !it->second.empty()) ++totals.processes;
    for (const auto& [key, e] : agg.endpoints())
        if (e.file_type) ++totals.files;

    const Aggregator::Counts& c = agg.counts();
    Json summary{{"destinations", totals.destinations},
                 {"internet_destinations", totals.internet},
                 {"processes", totals.processes},
                 {"http_requests", c.http},
                 {"files", totals.files},
                 {"lost_events", agg.loss().total()}};
    Json counters = counters_json(agg);
    counters["events"]["repeat_connects"] = totals.repeat_connects;
    counters["events"]["repeat_datagrams"] = totals.repeat_datagrams;
    if (agg.has_baseline()) summary["alerts"] = agg.alerts().size();
    // HTTPS connections whose requests could not be read, by reason: the list of requests is
    // incomplete by exactly these.
    Json not_visible = Json::object();
    for (const auto& [key, count] : agg.https_not_visible()) {
        Json& slot = not_visible[key.second];
        slot = slot.is_null() ? Json(count) : Json(slot.get<std::uint64_t>() + count);
    }
    summary["https_requests_not_visible"] = not_visible;
    // Like alerts: absent without --enforce, so an empty list means "nothing was refused".
    if (agg.has_enforcement()) {
        summary["blocked"] = agg.blocked().size();
        summary["blocked_attempts"] = c.blocked;
        summary["unverified"] = c.unverified;
        counters["events"]["blocked"] = c.blocked;
        counters["events"]["unverified"] = c.unverified;
    }

    JsonStream js(out);
    js.begin_object();
    js.field("version", kReportVersion);
    js.field("generated", format_timestamp(options.generated_ns));
    js.field("scope", std::string(scope_filter_name(options.scope)));
    js.field("session", session_json(agg));
    js.field("kernel_features", agg.start() ? Json(agg.start()->kernel_features) : Json::object());
    js.field("summary", summary);
    js.field("counters", counters);

    js.key("destinations");
    js.begin_array();
    for (auto entry_ptr : sorted) {
        const auto& [key, d] = *entry_ptr;
        if (!scope_matches(d.scope, options.scope)) continue;
        Json entry = endpoint_json(key, d, agg);
        entry["count"] = d.total();
        entry["connects"] = d.connects;
        entry["datagrams"] = d.sends + d.repeats;
        if (d.unverified) entry["unverified"] = d.unverified;
        entry["first_seen"] = format_timestamp(d.first_seen_ns);
        entry["last_seen"] = format_timestamp(d.last_seen_ns);
        entry["processes"] = process_uses_json(agg, d, "count");
        // Only destinations that containers reached: a session without containers reads as before.
        if (!d.containers().ids().empty()) {
            entry["images"] = agg.images_of(d);
            entry["containers"] = agg.names(d.containers());
            if (d.images().truncated() || d.containers().truncated()) entry["containers_truncated"] = true;
        }
        if (auto hosts = agg.seen_on(d); !hosts.empty()) {
            entry["seen_on"] = hosts;
            if (d.workloads && d.workloads->other_hosts.truncated()) entry["seen_on_truncated"] = true;
        }
        js.value(entry);
    }
    js.end();

    js.key("processes");
    js.begin_array();
    for (const auto& [exe, p] : processes) {
        auto it = reached.find(exe);
        if (it == reached.end() || it->second.empty()) continue;
        write_process(js, agg, exe, *p, it->second, sorted);
    }
    js.end();

    js.key("http_endpoints");
    js.begin_array();
    for (const auto& [key, e] : agg.endpoints()) js.value(endpoint_entry_json(agg, key, e));
    js.end();

    // What an air-gapped mirror must carry: every file downloaded, as a URL.
    js.key("files");
    js.begin_array();
    for (const auto& [key, e] : agg.endpoints())
        if (e.file_type) js.value(Json{{"url", endpoint_url(key)}, {"file_type", *e.file_type}, {"count", e.count}});
    js.end();

    js.key("https_not_visible");
    js.begin_array();
    for (const auto& [key, count] : agg.https_not_visible())
        js.value(Json{{"exe", key.first}, {"reason", key.second}, {"connections", count}});
    js.end();

    // Only when a baseline was given: an absent section says "not checked", an empty one "nothing new".
    if (agg.has_baseline()) {
        js.key("alerts");
        js.begin_array();
        for (const AlertRecord& a : agg.alerts()) js.value(alert_json(a));
        js.end();
    }
    // Every refused attempt, whatever --scope: they are few, and each one is a finding.
    if (agg.has_enforcement()) {
        js.key("blocked");
        js.begin_array();
        for (auto entry_ptr : agg.sorted_blocked()) js.value(blocked_json(agg, entry_ptr->first, entry_ptr->second));
        js.end();
    }
    js.end();
    out << '\n';
}

}  // namespace egresswatch
