#pragma once

#include "cli/options.h"

namespace egresswatch {

int command_run(const RunOptions& options);
int command_watch(const WatchOptions& options);
int command_doctor();
int command_report(const ReportCommandOptions& options);
// Returns diff(1)'s codes for diff (0 same, 1 different), else 0.
int command_allowlist(const AllowlistOptions& options);
int command_check(const CheckCommandOptions& options);

}  // namespace egresswatch
