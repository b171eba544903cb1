#include "clickhouse/clickhouse_client.h"

#include "clickhouse/event_rows.h"

namespace egresswatch {
namespace {

// A batch is at most a few MiB, which a local server takes in milliseconds: this much time
// means it is stuck, and the batch waits in the spool instead.
constexpr std::chrono::seconds kInsertTimeout{30};
constexpr std::chrono::seconds kConnectTimeout{5};

}  // namespace

HttpOutcome ClickHouseClient::statement(const std::string& sql) const { return query(sql, {}, kInsertTimeout); }

HttpOutcome ClickHouseClient::ensure_schema() const {
    for (const std::string& sql : schema_statements(target_))
        if (HttpOutcome outcome = statement(sql); !outcome.ok()) return outcome;
    return {};
}

HttpOutcome ClickHouseClient::insert(std::string_view rows) const {
    HttpPost post;
    post.target = "/?query=" + url_escape("INSERT INTO " + target_.table() + " FORMAT JSONEachRow");
    post.body = rows;
    post.content_type = "application/x-ndjson";
    post.timeout = kInsertTimeout;
    post.connect_timeout = kConnectTimeout;
    return http_post(target_.http, post);
}

HttpOutcome ClickHouseClient::query(const std::string& sql, const std::function<bool(std::string_view)>& on_body,
                                    std::chrono::milliseconds timeout) const {
    HttpPost post;
    post.target = "/";
    post.body = sql;
    post.content_type = "text/plain; charset=utf-8";
    post.timeout = timeout;
    post.connect_timeout = kConnectTimeout;
    post.on_body = on_body;
    return http_post(target_.http, post);
}

}  // namespace egresswatch
