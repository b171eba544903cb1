#pragma once
// The one table egresswatch writes to ClickHouse and reads back, and its rows. A row is one
// events.jsonl record: the whole native line in `record` (what report --from clickhouse feeds to
// the same reader as an events.jsonl), beside columns taken from it for SQL to filter and group
// by (docs/clickhouse.md lists them). Only types and syntax that ClickHouse 18.16 (Debian's)
// knows are used.

#include <cstdint>
#include <string>
#include <vector>

#include "base/json.h"
#include "clickhouse/clickhouse_target.h"

namespace egresswatch {

// CREATE DATABASE and CREATE TABLE, both IF NOT EXISTS: run before the first insert, and again
// after an insert fails (someone may have dropped the table).
std::vector<std::string> schema_statements(const ClickHouseTarget& target);

// What each row of one session carries besides its record.
struct RowTag {
    std::string host;     // the agent's host name
    std::string session;  // one id per run or watch process, so a fleet's rows replay session by session
};

// One JSONEachRow line (with its '\n') for a record as events.jsonl writes it; `line` is that
// record's JSON text, `seq` its number within the session, from 1.
std::string event_row(const Json& record, const std::string& line, const RowTag& tag, std::uint64_t seq);

// A new session id: 16 random hex digits.
std::string new_session_id();

}  // namespace egresswatch
