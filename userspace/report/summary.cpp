#include <algorithm>
#include <map>
#include <ostream>
#include <vector>

#include "allowlist/image_reference.h"
#include "protocols/tls/coverage.h"
#include "report/report.h"

namespace egresswatch {
namespace {

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
    return out;
}

std::string process_label(const Aggregator& agg, const ProcessUse& use) {
    std::string name =
        use.exe ? agg.name(use.exe) : (use.comms.ids().empty() ? "?" : agg.name(use.comms.ids().front()));
    std::size_t n = use.pids.ids().size();
    return name + " (" + std::to_string(n) + (use.pids.truncated() ? "+" : "") + (n == 1 ? " process)" : " processes)");
}

std::string destination_name(const Aggregator& agg, const DestinationKey& key, const DestinationStats& d) {
    return d.host ? agg.name(d.host) + " " + destination_label(key) : destination_label(key);
}

// A table written in two passes over its rows, the first for the column widths, so that no
// table of 100k destinations is held as strings. `rows(emit)` calls emit(row) for each row
// after the header, the same rows both times. Returns how many it wrote.
template <typename Rows>
std::size_t write_table(std::ostream& out, const std::vector<std::string>& header, const Rows& rows) {
    std::vector<std::size_t> width;
    auto measure = [&](const std::vector<std::string>& row) {
        for (std::size_t i = 0; i < row.size(); ++i) {
            if (width.size() <= i) width.push_back(0);
            width[i] = std::max(width[i], row[i].size());
        }
    };
    std::size_t count = 0;
    measure(header);
    rows([&](const std::vector<std::string>& row) {
        measure(row);
        ++count;
    });
    if (count == 0) return 0;
    // One write per line: the summary goes to an unbuffered stderr.
    auto line = [&](const std::vector<std::string>& row) {
        std::string text = "  ";
        for (std::size_t i = 0; i < row.size(); ++i) {
            text += row[i];
            if (i + 1 < row.size()) text += std::string(width[i] - row[i].size() + 2, ' ');
        }
        text += '\n';
        out << text;
    };
    line(header);
    rows(line);
    return count;
}

// What --enforce refused, and what fail-open let out unchecked. Only when enforcing: no
// section means "not enforced", an empty one "nothing refused".
void write_enforcement(std::ostream& out, const Aggregator& agg) {
    if (!agg.has_enforcement()) return;
    const auto& start = agg.start();
    if (start && start->enforce) {
        out << "\nEnforced: " << *start->enforce;
        if (start->enforce_mode) out << " (" << *start->enforce_mode << ")";
        out << "\n";
    }
    out << "\nBlocked (refused by enforcement):\n";
    auto blocked = agg.sorted_blocked();
    std::size_t rows = write_table(out, {"DESTINATION", "SCOPE", "ATTEMPTS", "PROCESSES"}, [&](const auto& emit) {
        for (auto entry : blocked) {
            const auto& [key, d] = *entry;
            std::vector<std::string> procs;
            for (const ProcessUse* use : agg.sorted_uses(d)) procs.push_back(process_label(agg, *use));
            emit({destination_name(agg, key, d), std::string(scope_name(d.scope)), std::to_string(d.connects + d.sends),
                  join(procs, ", ")});
        }
    });
    if (rows == 0) out << "  none\n";
    if (agg.counts().unverified)
        out << "\nUnverified: " << agg.counts().unverified
            << " connects and datagrams let through unchecked (fail-open, enforcement state incomplete)\n";
}

// Destinations grouped by the image of the containers that reached them, with those
// containers' names: what a workload's allowlist is made of. Absent without containers.
void write_containers(std::ostream& out, const Aggregator& agg,
                      const std::vector<Aggregator::DestinationMap::const_pointer>& sorted, ScopeFilter scope) {
    std::map<std::string, std::vector<std::size_t>> by_image;  // positions in `sorted`
    for (std::size_t i = 0; i < sorted.size(); ++i) {
        const DestinationStats& d = sorted[i]->second;
        if (d.containers().ids().empty() || !scope_matches(d.scope, scope)) continue;
        for (const std::string& image : agg.names(d.images()))
            if (image != kNoContainer) by_image[image].push_back(i);
    }
    if (by_image.empty()) return;
    out << "\nContainers, by image:\n";
    write_table(out, {"IMAGE", "DESTINATION", "CONTAINERS"}, [&](const auto& emit) {
        for (const auto& [image, positions] : by_image) {
            for (std::size_t i : positions) {
                const auto& [key, d] = *sorted[i];
                std::vector<std::string> names;
                for (std::uint32_t id : d.containers().ids())
                    if (agg.image_of_container(id) == image) names.push_back(agg.name(id));
                std::sort(names.begin(), names.end());
                std::string containers = join(names, ", ");
                if (d.containers().truncated()) containers += ", ...";
                emit({image, destination_name(agg, key, d), containers});
            }
        }
    });
}

// What the request lists miss: one line per program and reason, never a silent gap.
void write_https_not_visible(std::ostream& out, const Aggregator& agg) {
    if (agg.https_not_visible().empty()) return;
    out << "\nHTTPS requests not visible:\n";
    for (const auto& [key, count] : agg.https_not_visible())
        out << "  " << count << " HTTPS connection" << (count == 1 ? "" : "s") << " from " << key.first
            << ": requests not visible (" << tls_not_visible_explanation(key.second) << ")\n";
}

}  // namespace

void write_summary(std::ostream& out, const Aggregator& agg, ScopeFilter scope) {
    auto sorted = agg.sorted_destinations();
    out << "\negresswatch summary\n\n";
    out << "Reached the internet:\n";
    std::size_t internet = write_table(out, {"PROCESS", "DESTINATION", "COUNT"}, [&](const auto& emit) {
        for (auto entry : sorted) {
            const auto& [key, d] = *entry;
            if (d.scope != AddressScope::internet) continue;
            for (const ProcessUse* use : agg.sorted_uses(d))
                emit({process_label(agg, *use), destination_name(agg, key, d), std::to_string(use->count)});
        }
    });
    if (internet == 0) out << "  nothing\n";
    out << "\nDestinations (" << scope_filter_name(scope) << "):\n";
    std::size_t shown = write_table(out, {"DESTINATION", "SCOPE", "COUNT", "PROCESSES"}, [&](const auto& emit) {
        for (auto entry : sorted) {
            const auto& [key, d] = *entry;
            if (!scope_matches(d.scope, scope)) continue;
            std::vector<std::string> procs;
            for (const ProcessUse* use : agg.sorted_uses(d)) procs.push_back(process_label(agg, *use));
            emit({destination_name(agg, key, d), std::string(scope_name(d.scope)), std::to_string(d.total()),
                  join(procs, ", ")});
        }
    });
    if (shown == 0) out << "  none\n";
    write_containers(out, agg, sorted, scope);

    auto files = [&](const auto& emit) {
        for (const auto& [key, e] : agg.endpoints()) {
            if (!e.file_type) continue;
            std::vector<std::string> statuses;
            for (const auto& [status, count] : e.statuses) statuses.push_back(status ? std::to_string(status) : "-");
            emit({endpoint_url(key), *e.file_type, join(statuses, ","), join(agg.names(e.exes), ", ")});
        }
    };
    bool any_file = std::any_of(agg.endpoints().begin(), agg.endpoints().end(),
                                [](const auto& entry) { return entry.second.file_type.has_value(); });
    if (any_file) {
        out << "\nFiles downloaded (mirror these for an air-gapped install):\n";
        write_table(out, {"FILE", "TYPE", "STATUS", "BY"}, files);
    }

    if (agg.has_baseline()) {
        std::string baseline = agg.start() && agg.start()->baseline ? *agg.start()->baseline : "the baseline";
        out << "\nAlerts (new destinations, not in " << baseline << "):\n";
        if (agg.alerts().empty()) out << "  none\n";
        for (const AlertRecord& a : agg.alerts()) out << "  " << alert_text(a) << "\n";
    }
    write_enforcement(out, agg);
    write_https_not_visible(out, agg);

    const Aggregator::Counts& c = agg.counts();
    out << "\nEvents: " << c.connect << " connect, " << c.send << " send, " << c.exec << " exec, " << c.exit << " exit";
    if (c.dns || c.tls || c.http) out << ", " << c.dns << " dns, " << c.tls << " tls, " << c.http << " http";
    if (agg.has_enforcement()) out << ", " << c.blocked << " blocked";
    if (c.undecodable) out << ", " << c.undecodable << " undecodable";
    const LossRecord loss = agg.loss();
    out << "\nLost events: " << loss.total();
    if (loss.total() > 0) {
        std::vector<std::string> reasons;
        for (const auto& [reason, count] : loss.reasons)
            if (count) reasons.push_back(reason + "=" + std::to_string(count));
        out << " (" << join(reasons, ", ") << ")";
    }
    out << "\n";
    if (!agg.stop())
        out << "Incomplete: the session has no stop record, so it ended without egresswatch finishing it (killed, "
               "or its disk full); counts are up to its last record, and loss after that is unknown\n";
}

}  // namespace egresswatch
