// egresswatch check ALLOWLIST: actively verify every destination, report like a Nagios plugin.
#include <csignal>
#include <iostream>

#include "base/errors.h"
#include "check/check_output.h"
#include "check/check_targets.h"
#include "check/checker.h"
#include "check/net.h"
#include "cli/allowlist_input.h"
#include "cli/commands.h"

namespace egresswatch {
namespace {

int unknown(const CheckCommandOptions& options, const std::string& why) {
    if (options.json)
        std::cout << check_json_unknown(why).dump(2) << "\n";
    else
        std::cout << render_nagios_unknown(why);
    return static_cast<int>(CheckStatus::unknown);
}

}  // namespace

int command_check(const CheckCommandOptions& options) {
    // OpenSSL writes to sockets with write(): a server that hangs up must fail one check, not
    // kill the process with SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    CheckReport report;
    try {
        std::vector<CheckTarget> targets = check_targets_of(read_allowlist_input(options.allowlist_path));
        auto started = check::Clock::now();
        report.destinations = check::run_checks(targets, options.check);
        report.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(check::Clock::now() - started);
    } catch (const SetupError& e) {  // AllowlistError too: FILE:LINE: what is wrong
        return unknown(options, e.what());
    }
    if (options.json)
        std::cout << check_json(report).dump(2) << "\n";
    else
        std::cout << render_nagios(report);
    return static_cast<int>(overall_status(report));
}

}  // namespace egresswatch
