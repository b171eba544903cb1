#pragma once
// `egresswatch check`: what is checked for one allowlist destination, and what came of it.
// Pure data and rules; the network I/O is in check/net.cpp, check/tls.cpp and check/http.cpp.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/ip_address.h"

namespace egresswatch {

enum class CheckProto : std::uint8_t { tcp, udp };

// One destination to check, independent of the allowlist file format so that the allowlist
// loader can change without the checker changing.
struct CheckTarget {
    std::string host;                  // empty: an address-only entry
    std::vector<IpAddress> addresses;  // as listed; for host entries only informative
    std::uint16_t port = 0;
    CheckProto proto = CheckProto::tcp;
    // Non-empty: nothing can be tried for this entry (a wildcard has no one name to resolve,
    // a block no one address to connect to), and this says why. Reported, never a failure.
    std::string not_checked;
    // What was narrowed to make the entry checkable ("port range 8000-8100: checked 8000"),
    // shown with the result so nobody reads more into an OK than was tested.
    std::string narrowed;
    // Shown when there is neither host nor a single address (an entry of blocks only).
    std::string block;

    // "mirror.test:443/tcp", "[fd00::2]:80/tcp"; also the name used in the output.
    std::string label() const;
};

enum class CheckStep : std::uint8_t { dns, tcp, tls, http };

std::string_view step_name(CheckStep step);

// The steps for a target, in order. Ports 443/8443 get TLS and HTTP over it, 80/8080 plain
// HTTP, other TCP ports a connect only; UDP has no handshake to test, so only its name is
// resolved. Address-only entries have no DNS step. A target that is not_checked has none.
std::vector<CheckStep> plan_steps(const CheckTarget& target);

// Nagios plugin states; the numeric value is the exit code.
enum class CheckStatus : std::uint8_t { ok = 0, warning = 1, critical = 2, unknown = 3 };

std::string_view status_name(CheckStatus status);  // "OK", "WARNING", ...
CheckStatus worse(CheckStatus a, CheckStatus b);   // unknown counts as worse than critical

struct StepResult {
    CheckStep step = CheckStep::dns;
    bool ran = false;  // false: an earlier step failed or the budget ran out
    CheckStatus status = CheckStatus::ok;
    std::chrono::microseconds time{0};
    std::string detail;  // what it found ("200 OK", the addresses) or why it failed
};

// What a whole destination came to.
enum class CheckOutcome : std::uint8_t {
    reachable,  // every planned step passed (possibly with a warning)
    failed,     // a step failed
    unchecked,  // nothing could be tried actively (UDP): only the name was resolved, if any
};

std::string_view outcome_name(CheckOutcome outcome);

struct DestinationResult {
    CheckTarget target;
    std::vector<StepResult> steps;       // one per planned step, in plan order
    std::vector<IpAddress> resolved;     // DNS answers (host entries)
    std::optional<IpAddress> connected;  // the address the TCP connect succeeded to
    std::optional<int> cert_days_left;   // TLS leaf certificate, whole days until notAfter
    std::vector<std::string> warnings;   // slow, certificate expiring soon
    std::string note;                    // e.g. "udp not actively checked"
    std::chrono::microseconds time{0};

    CheckStatus status() const;  // the worst step, raised to warning by any warning
    CheckOutcome outcome() const;
    // One line: why it failed or warned, or what it reached.
    std::string message() const;
};

}  // namespace egresswatch
