#pragma once
// The events.jsonl codecs: each record's to_json (declared in report/jsonl.h) sits in one file
// with its reader, declared here, and the fields several records carry have one writer and one
// reader each. lines.cpp reads a file line by line and hands each line to its record's reader.

#include <string_view>

#include "base/json.h"
#include "pipeline/records.h"

namespace egresswatch {

// The process fields every record but exit and repeat carries (process.cpp).
void put_process(Json& j, const ProcessRef& p);
ProcessRef process_from(const Json& j);

// The fields of a connection (connection.cpp), for both lines that carry one. An alert line
// has always had them in another order, after its own fields, and without v4_mapped and
// cookie; readers read what each layout writes, in the order written.
enum class ConnectionLayout {
    line,   // connect, send and blocked: ... scope, [v4_mapped], process, cookie, [host]
    alert,  // the connection an alert is about: ... scope, [host], process
};
void put_connection(Json& j, const ConnectionRecord& c, ConnectionLayout layout);
void read_connection(const Json& j, ConnectionRecord& c, ConnectionLayout layout);

// Each record's reader, beside its to_json. A line's "type" says which one reads it.
ConnectionRecord connection_from(const Json& j, std::string_view type);  // connect, send, blocked
AlertRecord alert_from(const Json& j);
ExecRecord exec_from(const Json& j);
ExitRecord exit_from(const Json& j);
RepeatRecord repeat_from(const Json& j);  // either form
SessionStart start_from(const Json& j);
SessionStop stop_from(const Json& j);
LossRecord loss_from(const Json& j);
DnsLookupRecord dns_from(const Json& j);
TlsRecord tls_from(const Json& j);
TlsEndRecord tls_end_from(const Json& j);
HttpRecord http_from(const Json& j);

}  // namespace egresswatch
