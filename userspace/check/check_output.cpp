#include "check/check_output.h"

#include <algorithm>
#include <cstdio>

namespace egresswatch {
namespace {

// How many failing (or warning) destinations the status line names before "and N more":
// monitoring UIs show the first line in a table cell.
constexpr std::size_t kNamedInStatusLine = 3;

// Plugin output must not contain '|' (it starts the perfdata) nor line breaks (they start
// the long output), and error texts from OpenSSL or the resolver could contain either.
std::string plugin_safe(std::string text) {
    for (char& c : text) {
        if (c == '|') c = '/';
        if (c == '\n' || c == '\r') c = ' ';
    }
    return text;
}

std::string seconds(std::chrono::microseconds t, int decimals) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, static_cast<double>(t.count()) / 1e6);
    return buf;
}

std::string millis(std::chrono::microseconds t) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1fms", static_cast<double>(t.count()) / 1e3);
    return buf;
}

double millis_value(std::chrono::microseconds t) { return static_cast<double>(t.count()) / 1e3; }

std::string plural(std::size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

// "a (why), b (why), c (why) and 2 more"
std::string name_some(const std::vector<const DestinationResult*>& results) {
    std::string out;
    for (std::size_t i = 0; i < results.size() && i < kNamedInStatusLine; ++i)
        out += (i ? ", " : "") + results[i]->target.label() + " (" + results[i]->message() + ")";
    if (results.size() > kNamedInStatusLine)
        out += " and " + std::to_string(results.size() - kNamedInStatusLine) + " more";
    return out;
}

std::string summary_text(const CheckReport& report) {
    CheckCounts n = count_outcomes(report);
    if (n.total == 0) return "the allowlist has no destinations to check";
    std::vector<const DestinationResult*> failed, warned;
    for (const auto& d : report.destinations) {
        CheckStatus s = d.status();
        if (s == CheckStatus::critical || s == CheckStatus::unknown)
            failed.push_back(&d);
        else if (s == CheckStatus::warning)
            warned.push_back(&d);
    }
    std::string out;
    if (!failed.empty())
        out = std::to_string(failed.size()) + " of " + plural(n.total, "destination", "destinations") +
              " failed: " + name_some(failed);
    else
        out = plural(n.reachable, "destination", "destinations") + " reachable";
    if (!warned.empty())
        out += (failed.empty() ? ", " : "; ") + std::to_string(warned.size()) + " with warnings: " + name_some(warned);
    // "(udp)" only when that is the whole reason: skipped wildcards and blocks say why per line.
    bool only_udp = std::all_of(report.destinations.begin(), report.destinations.end(),
                                [](const DestinationResult& d) { return d.target.not_checked.empty(); });
    if (n.unchecked)
        out += (failed.empty() && warned.empty() ? ", " : "; ") + std::to_string(n.unchecked) +
               " not actively checked" + (only_udp ? " (udp)" : "");
    return plugin_safe(out);
}

std::string perfdata(const CheckReport& report) {
    CheckCounts n = count_outcomes(report);
    std::string max = std::to_string(n.total);
    auto gauge = [&max](const char* name, std::size_t value) {
        return std::string(name) + "=" + std::to_string(value) + ";;;0;" + max;
    };
    return gauge("reachable", n.reachable) + " " + gauge("failed", n.failed) + " " + gauge("warning", n.warning) + " " +
           gauge("unchecked", n.unchecked) + " time=" + seconds(report.elapsed, 3) + "s;;;0";
}

// Failures first, then warnings, then the rest, each group in the allowlist's order: the
// reader looks at the top.
std::vector<const DestinationResult*> by_severity(const CheckReport& report) {
    std::vector<const DestinationResult*> order;
    for (const auto& d : report.destinations) order.push_back(&d);
    auto rank = [](const DestinationResult* d) {
        if (d->outcome() == CheckOutcome::unchecked && d->status() == CheckStatus::ok) return -1;
        return static_cast<int>(d->status());
    };
    std::stable_sort(order.begin(), order.end(), [&](auto* a, auto* b) { return rank(a) > rank(b); });
    return order;
}

std::string timings(const DestinationResult& d) {
    std::string out;
    for (const auto& step : d.steps) {
        if (!step.ran) continue;
        out += (out.empty() ? "" : ", ") + std::string(step_name(step.step)) + " " + millis(step.time);
    }
    return out.empty() ? "" : " (" + out + ")";
}

std::string step_result(const StepResult& step) {
    if (!step.ran) return "not_run";
    switch (step.status) {
    case CheckStatus::ok: return "ok";
    case CheckStatus::warning: return "warning";
    default: return "failed";
    }
}

}  // namespace

CheckCounts count_outcomes(const CheckReport& report) {
    CheckCounts n;
    n.total = report.destinations.size();
    for (const auto& d : report.destinations) {
        switch (d.outcome()) {
        case CheckOutcome::reachable: ++n.reachable; break;
        case CheckOutcome::failed: ++n.failed; break;
        case CheckOutcome::unchecked: ++n.unchecked; break;
        }
        if (d.status() == CheckStatus::warning) ++n.warning;
    }
    return n;
}

CheckStatus overall_status(const CheckReport& report) {
    if (report.destinations.empty()) return CheckStatus::unknown;
    CheckStatus s = CheckStatus::ok;
    for (const auto& d : report.destinations) s = worse(s, d.status());
    return s;
}

std::string render_nagios(const CheckReport& report) {
    std::string out = "EGRESS " + std::string(status_name(overall_status(report))) + " - " + summary_text(report) +
                      " | " + perfdata(report) + "\n";
    for (const DestinationResult* d : by_severity(report))
        out += plugin_safe(std::string(status_name(d->status())) + " " + d->target.label() + " - " + d->message() +
                           timings(*d)) +
               "\n";
    return out;
}

std::string render_nagios_unknown(std::string_view why) {
    return "EGRESS UNKNOWN - " + plugin_safe(std::string(why)) + "\n";
}

nlohmann::ordered_json check_json(const CheckReport& report) {
    using J = nlohmann::ordered_json;
    CheckCounts n = count_outcomes(report);
    CheckStatus overall = overall_status(report);
    J destinations = J::array();
    for (const auto& d : report.destinations) {
        J j;
        j["destination"] = d.target.label();
        if (!d.target.host.empty()) j["host"] = d.target.host;
        J listed = J::array();
        for (const auto& a : d.target.addresses) listed.push_back(a.to_string());
        j["addresses"] = listed;
        j["port"] = d.target.port;
        j["proto"] = d.target.proto == CheckProto::tcp ? "tcp" : "udp";
        j["status"] = std::string(status_name(d.status()));
        j["outcome"] = std::string(outcome_name(d.outcome()));
        j["message"] = d.message();
        j["time_ms"] = millis_value(d.time);
        if (!d.target.host.empty()) {
            J resolved = J::array();
            for (const auto& a : d.resolved) resolved.push_back(a.to_string());
            j["resolved"] = resolved;
        }
        j["connected"] = d.connected ? J(d.connected->to_string()) : J(nullptr);
        if (d.cert_days_left) j["cert_days_left"] = *d.cert_days_left;
        j["warnings"] = d.warnings;
        if (!d.note.empty()) j["note"] = d.note;
        J steps = J::array();
        for (const auto& s : d.steps) {
            J step{{"step", std::string(step_name(s.step))}, {"result", step_result(s)}};
            if (s.ran) step["time_ms"] = millis_value(s.time);
            if (!s.detail.empty()) step["detail"] = s.detail;
            steps.push_back(step);
        }
        j["steps"] = steps;
        destinations.push_back(j);
    }
    return J{{"status", std::string(status_name(overall))},
             {"exit_code", static_cast<int>(overall)},
             {"summary", summary_text(report)},
             {"time_ms", millis_value(report.elapsed)},
             {"counts",
              {{"destinations", n.total},
               {"reachable", n.reachable},
               {"failed", n.failed},
               {"warning", n.warning},
               {"unchecked", n.unchecked}}},
             {"destinations", destinations}};
}

nlohmann::ordered_json check_json_unknown(std::string_view why) {
    return {{"status", "UNKNOWN"},
            {"exit_code", static_cast<int>(CheckStatus::unknown)},
            {"summary", std::string(why)},
            {"destinations", nlohmann::ordered_json::array()}};
}

}  // namespace egresswatch
