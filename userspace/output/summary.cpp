#include <algorithm>
#include <sstream>
#include <vector>

#include "output/report.h"

namespace egresswatch {
namespace {

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
    return out;
}

std::string process_label(const Aggregator& agg, const ProcessUse& use) {
    std::string name = use.exe ? agg.name(use.exe) : (use.comms.ids.empty() ? "?" : agg.name(use.comms.ids.front()));
    std::size_t n = use.pids.ids.size();
    return name + " (" + std::to_string(n) + (use.pids.truncated ? "+" : "") + (n == 1 ? " process)" : " processes)");
}

std::string destination_name(const Aggregator& agg, const DestinationKey& key, const DestinationStats& d) {
    return d.host ? agg.name(d.host) + " " + destination_label(key) : destination_label(key);
}

void render_table(std::ostringstream& out, const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> width;
    for (const auto& row : rows)
        for (std::size_t i = 0; i < row.size(); ++i) {
            if (width.size() <= i) width.push_back(0);
            width[i] = std::max(width[i], row[i].size());
        }
    for (const auto& row : rows) {
        std::string line = "  ";
        for (std::size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
        }
        out << line << '\n';
    }
}

// What --enforce refused, and what fail-open let out unchecked. Only when enforcing: no
// section means "not enforced", an empty one "nothing refused".
void render_enforcement(std::ostringstream& out, const Aggregator& agg) {
    if (!agg.has_enforcement()) return;
    const auto& start = agg.start();
    if (start && start->enforce) {
        out << "\nEnforced: " << *start->enforce;
        if (start->enforce_mode) out << " (" << *start->enforce_mode << ")";
        out << "\n";
    }
    std::vector<std::vector<std::string>> rows{{"DESTINATION", "SCOPE", "ATTEMPTS", "PROCESSES"}};
    for (auto entry : agg.sorted_blocked()) {
        const auto& [key, d] = *entry;
        std::vector<std::string> procs;
        for (const ProcessUse* use : agg.sorted_uses(d)) procs.push_back(process_label(agg, *use));
        rows.push_back({destination_name(agg, key, d), std::string(scope_name(d.scope)),
                        std::to_string(d.connects + d.sends), join(procs, ", ")});
    }
    out << "\nBlocked (refused by enforcement):\n";
    if (rows.size() == 1)
        out << "  none\n";
    else
        render_table(out, rows);
    if (agg.counts().unverified)
        out << "\nUnverified: " << agg.counts().unverified
            << " connects and datagrams let through unchecked (fail-open, enforcement state incomplete)\n";
}

}  // namespace

std::string render_summary(const Aggregator& agg, ScopeFilter scope) {
    std::ostringstream out;
    std::vector<std::vector<std::string>> internet_rows{{"PROCESS", "DESTINATION", "COUNT"}};
    std::vector<std::vector<std::string>> rows{{"DESTINATION", "SCOPE", "COUNT", "PROCESSES"}};
    std::size_t shown = 0;
    for (auto entry : agg.sorted_destinations()) {
        const auto& [key, d] = *entry;
        std::vector<const ProcessUse*> uses = agg.sorted_uses(d);
        std::vector<std::string> procs;
        for (const ProcessUse* use : uses) procs.push_back(process_label(agg, *use));
        if (d.scope == AddressScope::internet)
            for (const ProcessUse* use : uses)
                internet_rows.push_back(
                    {process_label(agg, *use), destination_name(agg, key, d), std::to_string(use->count)});
        if (!scope_matches(d.scope, scope)) continue;
        ++shown;
        rows.push_back({destination_name(agg, key, d), std::string(scope_name(d.scope)), std::to_string(d.total()),
                        join(procs, ", ")});
    }

    out << "\negresswatch summary\n\n";
    out << "Reached the internet:\n";
    if (internet_rows.size() == 1)
        out << "  nothing\n";
    else
        render_table(out, internet_rows);
    out << "\nDestinations (" << scope_filter_name(scope) << "):\n";
    if (shown == 0)
        out << "  none\n";
    else
        render_table(out, rows);

    std::vector<std::vector<std::string>> files{{"FILE", "TYPE", "STATUS", "BY"}};
    for (const auto& [key, e] : agg.endpoints()) {
        if (!e.file_type) continue;
        std::vector<std::string> statuses;
        for (const auto& [status, count] : e.statuses) statuses.push_back(status ? std::to_string(status) : "-");
        files.push_back({endpoint_url(key), *e.file_type, join(statuses, ","), join(agg.names(e.exes), ", ")});
    }
    if (files.size() > 1) {
        out << "\nFiles downloaded (mirror these for an air-gapped install):\n";
        render_table(out, files);
    }

    if (agg.has_baseline()) {
        std::string baseline = agg.start() && agg.start()->baseline ? *agg.start()->baseline : "the baseline";
        out << "\nAlerts (new destinations, not in " << baseline << "):\n";
        if (agg.alerts().empty()) out << "  none\n";
        for (const AlertRecord& a : agg.alerts()) out << "  " << alert_text(a) << "\n";
    }
    render_enforcement(out, agg);

    const Aggregator::Counts& c = agg.counts();
    out << "\nEvents: " << c.connect << " connect, " << c.send << " send, " << c.exec << " exec, " << c.exit
        << " exit";
    if (c.dns || c.tls || c.http) out << ", " << c.dns << " dns, " << c.tls << " tls, " << c.http << " http";
    if (agg.has_enforcement()) out << ", " << c.blocked << " blocked";
    if (c.undecodable) out << ", " << c.undecodable << " undecodable";
    out << "\nLost events: " << agg.loss().total();
    if (agg.loss().total() > 0) {
        std::vector<std::string> reasons;
        for (const auto& [reason, count] : agg.loss().reasons)
            if (count) reasons.push_back(reason + "=" + std::to_string(count));
        out << " (" << join(reasons, ", ") << ")";
    }
    out << "\n";
    if (!agg.stop())
        out << "Incomplete: the session has no stop record, so it ended without egresswatch finishing it (killed, "
               "or its disk full); counts are up to its last record, and loss after that is unknown\n";
    return out.str();
}

}  // namespace egresswatch
