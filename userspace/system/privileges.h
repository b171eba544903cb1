#pragma once

#include <string>

namespace egresswatch {

// Throws SetupError telling the user to run `what` as root.
void require_root(const std::string& what);

// Whether this process holds what loading and attaching egresswatch's programs takes:
// CAP_SYS_ADMIN, or CAP_BPF with CAP_PERFMON, and CAP_NET_ADMIN. An EPERM or EACCES from
// the kernel means "run as root" only when this is false.
bool has_bpf_privileges();

}  // namespace egresswatch
