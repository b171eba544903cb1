#pragma once
// report --from clickhouse=URL: the query that gives back, as events.jsonl lines, the sessions
// a fleet's agents stored (event_rows.h), one session after another in the order each wrote
// its records, so that the one reader of events.jsonl (report/jsonl.h) rebuilds the report.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "clickhouse/clickhouse_target.h"

namespace egresswatch {

// --where KEY=VALUE: host (the agent's), image (a container image, with or without its tag or
// digest), cgroup (that cgroup or any below it). Several values of one key: any of them;
// several keys: all of them.
struct FleetCondition {
    std::string key;
    std::string value;
};

struct FleetFilter {
    std::optional<std::chrono::seconds> since;  // only records this recent (sessions' start lines always)
    std::vector<FleetCondition> where;
};

// The keys --where takes, for messages.
inline constexpr const char* kFleetWhereKeys = "host, image, cgroup";
// nullopt with `error` set when `text` is not KEY=VALUE with a known key and a value.
std::optional<FleetCondition> parse_fleet_condition(const std::string& text, std::string& error);

// SELECT of the `record` column, in TabSeparatedRaw: each row one events.jsonl line.
std::string fleet_select(const ClickHouseTarget& target, const FleetFilter& filter);

// A ClickHouse string literal: quoted, with \ and ' escaped.
std::string sql_string(std::string_view text);

}  // namespace egresswatch
