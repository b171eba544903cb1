#include "output/report.h"
#include "output/timefmt.h"

namespace egresswatch {
namespace {

constexpr int kReportVersion = 1;

Json counters_json(const Aggregator& agg) {
    const Aggregator::Counts& c = agg.counts();
    return Json{{"events",
                 {{"connect", c.connect}, {"send", c.send}, {"repeat_connects", 0}, {"repeat_datagrams", 0}, {"exec", c.exec},
                  {"fork", c.fork}, {"exit", c.exit}, {"dns", c.dns}, {"tls", c.tls}, {"http", c.http},
                  {"undecodable", c.undecodable}}},
                {"lost", {{"total", agg.loss().total()}, {"reasons", agg.loss().reasons}}}};
}

Json session_json(const Aggregator& agg) {
    Json s = Json::object();
    if (const auto& start = agg.start()) {
        s["mode"] = start->mode;
        if (!start->command.empty()) s["command"] = start->command;
        s["cgroup"] = start->cgroup;
        s["started"] = format_timestamp(start->ts_ns);
        s["egresswatch_version"] = start->version;
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
    return s;
}

Json endpoints_json(const Aggregator& agg) {
    Json list = Json::array();
    for (const auto& [key, e] : agg.endpoints()) {
        Json statuses = Json::object();
        for (const auto& [status, count] : e.statuses) statuses[status ? std::to_string(status) : "none"] = count;
        Json entry{{"host", key.host},     {"port", key.port},         {"tls", key.tls},
                   {"method", key.method}, {"path", key.path},         {"count", e.count},
                   {"statuses", statuses}};
        if (e.timed)
            entry["latency_ms"] = Json{{"min", e.min_ms}, {"median", *e.median_ms()}, {"max", e.max_ms}};
        else
            entry["latency_ms"] = nullptr;
        entry["response_bytes"] = e.response_bytes;
        entry["kind"] = e.file_type ? "file" : "api";
        entry["file_type"] = e.file_type ? Json(*e.file_type) : Json(nullptr);
        entry["processes"] = agg.names(e.exes);
        entry["first_seen"] = format_timestamp(e.first_seen_ns);
        list.push_back(std::move(entry));
    }
    return list;
}

// What an air-gapped mirror must carry: every file downloaded, as a URL.
Json files_json(const Aggregator& agg) {
    Json list = Json::array();
    for (const auto& [key, e] : agg.endpoints()) {
        if (!e.file_type) continue;
        std::string url = endpoint_url(key);
        list.push_back(Json{{"url", url}, {"file_type", *e.file_type}, {"count", e.count}});
    }
    return list;
}

// Only when a baseline was given: an absent section says "not checked", an empty one "nothing new".
Json alerts_json(const Aggregator& agg) {
    Json list = Json::array();
    for (const AlertRecord& a : agg.alerts()) {
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
        for (const Ancestor& p : c.process.ancestry) ancestry.push_back(Json{{"pid", p.pid}, {"comm", p.comm}, {"exe", p.exe}});
        entry["ancestry"] = std::move(ancestry);
        entry["reason"] = a.reason;
        list.push_back(std::move(entry));
    }
    return list;
}

Json process_uses_json(const Aggregator& agg, const DestinationStats& d, const char* count_key) {
    Json processes = Json::array();
    for (const ProcessUse* use : agg.sorted_uses(d)) {
        Json p{{"exe", agg.name(use->exe)}, {"comms", agg.names(use->comms)}, {"pids", use->pids.ids},
               {count_key, use->count}};
        if (use->pids.truncated) p["pids_truncated"] = true;
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

// Every refused attempt, whatever --scope: they are few, and each one is a finding.
Json blocked_json(const Aggregator& agg) {
    Json list = Json::array();
    for (auto entry_ptr : agg.sorted_blocked()) {
        const auto& [key, d] = *entry_ptr;
        Json entry = endpoint_json(key, d, agg);
        entry["attempts"] = d.connects + d.sends;
        entry["connects"] = d.connects;
        entry["datagrams"] = d.sends;
        entry["first_seen"] = format_timestamp(d.first_seen_ns);
        entry["last_seen"] = format_timestamp(d.last_seen_ns);
        entry["processes"] = process_uses_json(agg, d, "attempts");
        list.push_back(std::move(entry));
    }
    return list;
}

}  // namespace

Json build_report(const Aggregator& agg, const ReportOptions& options) {
    Json destinations = Json::array();
    std::uint64_t repeat_datagrams = 0, repeat_connects = 0;
    std::size_t internet = 0;
    for (auto entry_ptr : agg.sorted_destinations()) {
        const auto& [key, d] = *entry_ptr;
        repeat_datagrams += d.repeats;
        repeat_connects += d.connect_repeats;
        if (!scope_matches(d.scope, options.scope)) continue;
        if (d.scope == AddressScope::internet) ++internet;
        Json entry = endpoint_json(key, d, agg);
        entry["count"] = d.total();
        entry["connects"] = d.connects;
        entry["datagrams"] = d.sends + d.repeats;
        if (d.unverified) entry["unverified"] = d.unverified;
        entry["first_seen"] = format_timestamp(d.first_seen_ns);
        entry["last_seen"] = format_timestamp(d.last_seen_ns);
        entry["processes"] = process_uses_json(agg, d, "count");
        destinations.push_back(std::move(entry));
    }

    Json processes = Json::array();
    auto reached_by = agg.destinations_by_process();
    for (const auto& [exe, p] : agg.processes()) {
        Json reached = Json::array();
        Json reached_internet = Json::array();
        for (const auto& key : reached_by[exe]) {
            AddressScope scope = classify(key.address);
            if (!scope_matches(scope, options.scope)) continue;
            reached.push_back(destination_label(key));
            if (scope == AddressScope::internet) reached_internet.push_back(destination_label(key));
        }
        if (reached.empty()) continue;
        Json entry{{"exe", exe},
                   {"comms", agg.names(p->comms)},
                   {"pids", p->pids.ids},
                   {"connections", p->connections},
                   {"destinations", std::move(reached)},
                   {"internet_destinations", std::move(reached_internet)}};
        if (p->pids.truncated) entry["pids_truncated"] = true;
        processes.push_back(std::move(entry));
    }

    Json files = files_json(agg);
    Json counters = counters_json(agg);
    counters["events"]["repeat_connects"] = repeat_connects;
    counters["events"]["repeat_datagrams"] = repeat_datagrams;

    Json features = Json::object();
    if (agg.start()) features = agg.start()->kernel_features;

    Json report{{"version", kReportVersion},
                {"generated", format_timestamp(options.generated_ns)},
                {"scope", std::string(scope_filter_name(options.scope))},
                {"session", session_json(agg)},
                {"kernel_features", std::move(features)},
                {"summary",
                 {{"destinations", destinations.size()},
                  {"internet_destinations", internet},
                  {"processes", processes.size()},
                  {"http_requests", agg.counts().http},
                  {"files", files.size()},
                  {"lost_events", agg.loss().total()}}},
                {"counters", std::move(counters)},
                {"destinations", std::move(destinations)},
                {"processes", std::move(processes)},
                {"http_endpoints", endpoints_json(agg)},
                {"files", std::move(files)}};
    if (agg.has_baseline()) {
        report["summary"]["alerts"] = agg.alerts().size();
        report["alerts"] = alerts_json(agg);
    }
    // Like alerts: absent without --enforce, so an empty list means "nothing was refused".
    if (agg.has_enforcement()) {
        const Aggregator::Counts& c = agg.counts();
        report["summary"]["blocked"] = agg.blocked().size();
        report["summary"]["blocked_attempts"] = c.blocked;
        report["summary"]["unverified"] = c.unverified;
        report["counters"]["events"]["blocked"] = c.blocked;
        report["counters"]["events"]["unverified"] = c.unverified;
        report["blocked"] = blocked_json(agg);
    }
    return report;
}

}  // namespace egresswatch
