#pragma once
// --alert-exec CMD: runs CMD with /bin/sh -c for each alert, the alert's JSON on its stdin and
// its main fields in EGRESSWATCH_ALERT_* variables (see docs/alerts.md).

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "alerts/alert_worker.h"

namespace egresswatch {

// EGRESSWATCH_ALERT_DESTINATION, _HOST, _ADDRESS, _PORT, _PROTO, _EXE, _PID, _REASON, _BASELINE, _TS.
std::vector<std::pair<std::string, std::string>> alert_environment(const AlertRecord& alert);

// Waits for CMD up to `timeout`, then kills its process group. A non-zero exit is a failure.
std::optional<std::string> run_alert_command(const std::string& command, const AlertJob& job,
                                             std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace egresswatch
