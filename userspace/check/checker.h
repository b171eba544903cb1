#pragma once
// Runs the planned steps (check/egress_check.h) for every destination, a bounded number at a
// time, each destination within its own time budget.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "check/egress_check.h"

namespace egresswatch::check {

struct CheckOptions {
    std::chrono::milliseconds timeout{5000};             // per destination, all its steps together
    std::optional<std::chrono::milliseconds> warn_time;  // slower than this: WARNING
    int warn_days = 14;                                  // certificate expiring sooner: WARNING
    unsigned parallel = 16;                              // destinations checked at once
    std::string ca_file;                                 // PEM, trusted besides the system store
};

// Results in the order of 'targets'. Throws SetupError when --ca-file cannot be loaded.
// Writing to a socket the server has closed must not kill the process: the caller ignores
// SIGPIPE (plain sockets use MSG_NOSIGNAL, but OpenSSL writes with write()).
std::vector<DestinationResult> run_checks(const std::vector<CheckTarget>& targets, const CheckOptions& options);

}  // namespace egresswatch::check
