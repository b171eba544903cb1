#pragma once
// The exit code of a run that raised alerts (the alert record and its one-line text are in
// pipeline/records.h, as every output renders them).

#include <cstddef>

namespace egresswatch {

// `run --fail-on-new`: the command's own failure wins, so a CI log shows why the job failed
// first; a command that succeeded but reached new destinations exits kNewDestinationsExit.
constexpr int kNewDestinationsExit = 3;
int run_exit_code(int command_exit, std::size_t alerts, bool fail_on_new);

}  // namespace egresswatch
