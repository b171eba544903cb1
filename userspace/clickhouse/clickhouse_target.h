#pragma once
// Where --sink clickhouse=URL and report --from clickhouse=URL find the server:
// http(s)://[USER[:PASSWORD]@]HOST[:PORT][/DATABASE]. The port defaults to ClickHouse's HTTP
// ports (8123, and 8443 for https), the database to "default"; the table is always
// DATABASE.egresswatch_events.

#include <optional>
#include <string>

#include "http_client/http_url.h"

namespace egresswatch {

inline constexpr const char* kClickHouseTable = "egresswatch_events";

struct ClickHouseTarget {
    HttpUrl http;
    std::string database = "default";
    // `database`.`egresswatch_events`, as SQL names it.
    std::string table() const;
    std::string shown() const { return http.shown() + "/" + database; }
};

// nullopt with `error` set (one line) when the URL is not one; ca_file: --clickhouse-ca's.
std::optional<ClickHouseTarget> parse_clickhouse_target(const std::string& url, std::string& error);

}  // namespace egresswatch
