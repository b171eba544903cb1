#include "alerts/exit_code.h"

namespace egresswatch {

int run_exit_code(int command_exit, std::size_t alerts, bool fail_on_new) {
    if (command_exit != 0 || !fail_on_new || alerts == 0) return command_exit;
    return kNewDestinationsExit;
}

}  // namespace egresswatch
