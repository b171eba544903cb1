#pragma once
// The TCP peer that tls and http lines of events.jsonl name (the flow the payload or the TLS
// library call belonged to), one writer and one reader for both. Not a connection's fields
// (connection.cpp): no family or scope, and "proto" is always tcp, so it is not read back.

#include "base/json.h"
#include "base/timefmt.h"
#include "report/jsonl/codecs.h"
#include "report/jsonl/fields.h"

namespace egresswatch {

template <typename Record>
void put_peer(Json& j, const Record& r) {
    j["proto"] = "tcp";
    j["daddr"] = r.address.to_string();
    j["dport"] = r.port;
    j["cookie"] = r.cookie;
}

// With the fields put_process and put_peer wrote, and the time.
template <typename Record>
void read_peer(const Json& j, Record& r) {
    r.ts_ns = required_ts(j);
    r.process = process_from(j);
    r.address = required_address(j, "daddr");
    r.port = required<std::uint16_t>(j, "dport");
    r.cookie = optional_field<std::uint64_t>(j, "cookie");
}

}  // namespace egresswatch
