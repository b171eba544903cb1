#pragma once
// ClickHouse's HTTP interface, as egresswatch uses it: the schema made, rows inserted as
// JSONEachRow, a query's answer streamed. Each call is one request (libcurl, http_post.h).

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "clickhouse/clickhouse_target.h"
#include "http_client/http_post.h"

namespace egresswatch {

class ClickHouseClient {
public:
    explicit ClickHouseClient(ClickHouseTarget target) : target_(std::move(target)) {}

    // The database and table, made if missing (schema_statements).
    HttpOutcome ensure_schema() const;
    // Rows as event_row writes them.
    HttpOutcome insert(std::string_view rows) const;
    // A query whose answer goes to on_body, a piece at a time.
    HttpOutcome query(const std::string& sql, const std::function<bool(std::string_view)>& on_body,
                      std::chrono::milliseconds timeout) const;

    const ClickHouseTarget& target() const { return target_; }

private:
    HttpOutcome statement(const std::string& sql) const;
    ClickHouseTarget target_;
};

}  // namespace egresswatch
