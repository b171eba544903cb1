#include "clickhouse/fleet_query.h"

#include <map>

namespace egresswatch {
namespace {

// One key's values as one SQL condition on its column.
std::string condition_on(const std::string& key, const std::vector<std::string>& values) {
    std::string any;
    for (const std::string& v : values) {
        std::string one;
        if (key == "host") {
            one = "host = " + sql_string(v);
        } else if (key == "image") {
            // "nginx" matches nginx, nginx:1.25 and nginx@sha256:...
            one = "(image = " + sql_string(v) + " OR startsWith(image, " + sql_string(v + ":") +
                  ") OR startsWith(image, " + sql_string(v + "@") + "))";
        } else {  // cgroup
            std::string below = v.ends_with('/') ? v : v + "/";
            one = "(cgroup = " + sql_string(v) + " OR startsWith(cgroup, " + sql_string(below) + "))";
        }
        any += (any.empty() ? "" : " OR ") + one;
    }
    return "(" + any + ")";
}

}  // namespace

std::optional<FleetCondition> parse_fleet_condition(const std::string& text, std::string& error) {
    auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
        error = "'" + text + "' is not KEY=VALUE (keys: " + kFleetWhereKeys + ")";
        return std::nullopt;
    }
    FleetCondition c{text.substr(0, eq), text.substr(eq + 1)};
    if (c.key != "host" && c.key != "image" && c.key != "cgroup") {
        error = "'" + c.key + "' is not a key --where knows (" + kFleetWhereKeys + ")";
        return std::nullopt;
    }
    return c;
}

std::string sql_string(std::string_view text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\\' || c == '\'') out += '\\';
        out += c;
    }
    return out + "'";
}

std::string fleet_select(const ClickHouseTarget& target, const FleetFilter& filter) {
    std::map<std::string, std::vector<std::string>> by_key;
    for (const FleetCondition& c : filter.where) by_key[c.key].push_back(c.value);
    // What a record must match to be read: its time, and every key's condition.
    std::string match = "1";
    if (filter.since) match += " AND time >= now() - " + std::to_string(filter.since->count());
    for (const auto& [key, values] : by_key) match += " AND " + condition_on(key, values);
    std::string host_only = by_key.contains("host") ? condition_on("host", by_key["host"]) : "1";
    // The sessions that hold such a record are read: their matching records, and all of their
    // start, lost and stop lines, which say what each session was, what it lost, and how it ended
    // (a watch started weeks ago still has the start line that names its host).
    return "SELECT record FROM " + target.table() + " WHERE " + host_only + " AND session IN (SELECT session FROM " +
           target.table() + " WHERE " + match + ") AND (type IN ('start', 'lost', 'stop') OR (" + match +
           ")) ORDER BY host, session, seq FORMAT TabSeparatedRaw";
}

}  // namespace egresswatch
