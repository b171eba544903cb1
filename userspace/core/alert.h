#pragma once
// An alert: a destination the baseline allowlist does not allow, seen for the first time in
// this session. It carries the connection record that revealed it (process and ancestry
// included), so every output can say who reached it and how it was named.

#include <cstddef>
#include <string>

#include "core/records.h"

namespace egresswatch {

struct AlertRecord {
    std::int64_t ts_ns = 0;
    ConnectionRecord connection;
    std::string baseline;                    // the allowlist file, as given on the command line
    std::string reason = "not in baseline";
};

// "api.test:443/tcp", or "198.19.4.2:80/tcp" / "[fd00::2]:80/tcp" when no name is known:
// what alerts are deduplicated by and what they are called.
std::string alert_destination(const ConnectionRecord& r);

// The one stderr line: "new destination api.test:443/tcp (198.19.4.2) by /usr/bin/curl
// [pid 123, started by /bin/sh <- /usr/bin/bash]" (without the "egresswatch: alert: " prefix).
std::string alert_text(const AlertRecord& alert);

// `run --fail-on-new`: the command's own failure wins, so a CI log shows why the job failed
// first; a command that succeeded but reached new destinations exits kNewDestinationsExit.
constexpr int kNewDestinationsExit = 3;
int run_exit_code(int command_exit, std::size_t alerts, bool fail_on_new);

}  // namespace egresswatch
