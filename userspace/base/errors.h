#pragma once
// Errors a user can act on. Their message is one line that says what to do; the CLI
// prints it after "egresswatch: " and exits with kSetupErrorExit.

#include <stdexcept>
#include <string>

namespace egresswatch {

constexpr int kSetupErrorExit = 2;

// Bad arguments or an environment that cannot work (no root, no cgroup2, no BTF, ...).
struct SetupError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace egresswatch
