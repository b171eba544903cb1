#include "clickhouse/clickhouse_target.h"

#include <algorithm>

namespace egresswatch {

std::string ClickHouseTarget::table() const { return "`" + database + "`.`" + kClickHouseTable + "`"; }

std::optional<ClickHouseTarget> parse_clickhouse_target(const std::string& url, std::string& error) {
    bool https = url.starts_with("https://");
    auto http = parse_http_url(url, error, UserInfo::allowed, https ? 8443 : 8123);
    if (!http) return std::nullopt;
    ClickHouseTarget target;
    std::string path = http->path;
    if (path.find('?') != std::string::npos) {
        error = "'" + http->shown() + "' has a query: give the database as the path (http://HOST:8123/DATABASE)";
        return std::nullopt;
    }
    while (!path.empty() && path.back() == '/') path.pop_back();
    if (!path.empty()) {
        std::string database = path.substr(1);
        // Quoted into SQL as a name: only what needs no escaping.
        bool plain = !database.empty() && std::all_of(database.begin(), database.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        });
        if (!plain) {
            error = "'" + http->shown() + "': the path names the database, and '" + database +
                    "' is not a database name (letters, digits and _)";
            return std::nullopt;
        }
        target.database = database;
    }
    http->path = "/";
    target.http = *http;
    return target;
}

}  // namespace egresswatch
