#pragma once

#include "cli/options.h"

namespace egresswatch {

int command_run(const RunOptions& options);
int command_watch(const WatchOptions& options);
int command_doctor();
int command_report(const ReportCommandOptions& options);
int command_check(const CheckCommandOptions& options);

}  // namespace egresswatch
