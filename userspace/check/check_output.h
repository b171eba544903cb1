#pragma once
// What `egresswatch check` prints: a Nagios plugin status line with perfdata, then one line per
// destination (failures first), or with --json one document. Pure formatting, unit-tested.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "check/egress_check.h"

namespace egresswatch {

struct CheckReport {
    std::vector<DestinationResult> destinations;  // in the allowlist's order
    std::chrono::microseconds elapsed{0};         // wall time of the whole check
};

struct CheckCounts {
    std::size_t total = 0, reachable = 0, failed = 0, warning = 0, unchecked = 0;
};

CheckCounts count_outcomes(const CheckReport& report);

// The worst destination's status; UNKNOWN when there is nothing to check, since an empty
// allowlist passing would hide a broken deployment.
CheckStatus overall_status(const CheckReport& report);

// "EGRESS OK - 12 destinations reachable | reachable=12;;;0;12 failed=0;;;0;12 ... time=0.421s"
// followed by the detail lines; ends with a newline.
std::string render_nagios(const CheckReport& report);

// The same for a check that could not start (unreadable allowlist, bad arguments): exit 3.
std::string render_nagios_unknown(std::string_view why);

nlohmann::ordered_json check_json(const CheckReport& report);
// --json's document for a check that could not start: status UNKNOWN, no destinations.
nlohmann::ordered_json check_json_unknown(std::string_view why);

}  // namespace egresswatch
