#include "clickhouse/event_rows.h"

#include <sys/random.h>

#include <cstdio>

#include "base/timefmt.h"

namespace egresswatch {
namespace {

// The name a record is about: the connection's or request's host, the TLS SNI, the DNS question.
std::string name_of(const Json& j) {
    for (const char* key : {"host", "sni", "question"})
        if (auto it = j.find(key); it != j.end() && it->is_string()) return it->get<std::string>();
    return {};
}

template <typename T>
T value_or(const Json& j, const char* key, T fallback) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return fallback;
    try {
        return it->get<T>();
    } catch (const nlohmann::json::exception&) {
        return fallback;
    }
}

std::string nested(const Json& j, const char* object, const char* key) {
    auto it = j.find(object);
    return it != j.end() && it->is_object() ? value_or<std::string>(*it, key, "") : std::string();
}

}  // namespace

std::vector<std::string> schema_statements(const ClickHouseTarget& target) {
    // ORDER BY (host, session, seq): a session's rows are read back in the order they were
    // written. Partitions by month, so that retention is ALTER TABLE ... DROP PARTITION (18.16
    // has no TTL).
    return {"CREATE DATABASE IF NOT EXISTS `" + target.database + "`",
            "CREATE TABLE IF NOT EXISTS " + target.table() +
                " (host String, session String, seq UInt64, time DateTime, ts_ns Int64, type String,"
                " pid UInt32, comm String, exe String, cgroup String, container_id String, container_name String,"
                " image String, pod_namespace String, pod_name String, proto String, daddr String, dport UInt16,"
                " name String, record String)"
                " ENGINE = MergeTree() PARTITION BY toYYYYMM(time) ORDER BY (host, session, seq)"};
}

std::string event_row(const Json& j, const std::string& line, const RowTag& tag, std::uint64_t seq) {
    std::int64_t ts_ns = 0;
    if (auto ts = j.find("ts"); ts != j.end() && ts->is_string())
        if (auto parsed = parse_timestamp(ts->get<std::string>())) ts_ns = *parsed;
    Json row{{"host", tag.host},
             {"session", tag.session},
             {"seq", seq},
             {"time", ts_ns / 1'000'000'000},
             {"ts_ns", ts_ns},
             {"type", value_or<std::string>(j, "type", "")},
             {"pid", value_or<std::uint32_t>(j, "pid", 0)},
             {"comm", value_or<std::string>(j, "comm", "")},
             {"exe", value_or<std::string>(j, "exe", "")},
             {"cgroup", value_or<std::string>(j, "cgroup", "")},
             {"container_id", nested(j, "container", "id")},
             {"container_name", nested(j, "container", "name")},
             {"image", nested(j, "container", "image")},
             {"pod_namespace", nested(j, "pod", "namespace")},
             {"pod_name", nested(j, "pod", "name")},
             {"proto", value_or<std::string>(j, "proto", "")},
             {"daddr", value_or<std::string>(j, "daddr", "")},
             {"dport", value_or<std::uint16_t>(j, "dport", 0)},
             {"name", name_of(j)},
             {"record", line}};
    std::string text = json_line(row);
    text += '\n';
    return text;
}

std::string new_session_id() {
    unsigned char bytes[8] = {};
    if (::getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes))
        for (unsigned char& b : bytes) b = static_cast<unsigned char>(std::rand());
    char hex[17];
    for (int i = 0; i < 8; ++i) std::snprintf(hex + 2 * i, 3, "%02x", bytes[i]);
    return hex;
}

}  // namespace egresswatch
