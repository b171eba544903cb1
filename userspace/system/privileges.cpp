#include "system/privileges.h"

#include <unistd.h>

#include "core/errors.h"

namespace egresswatch {

void require_root(const std::string& what) {
    // Loading BPF programs and creating cgroups needs CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN
    // and CAP_SYS_ADMIN in practice; root is the one way to have them all everywhere.
    if (::geteuid() != 0)
        throw SetupError("'egresswatch " + what + "' needs root to load BPF programs: run it with sudo");
}

}  // namespace egresswatch
