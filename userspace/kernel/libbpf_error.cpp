#include "kernel/libbpf_error.h"

#include <cerrno>
#include <cstring>

#include "base/errors.h"
#include "system/privileges.h"

namespace egresswatch {

std::string errno_text(int err) { return std::strerror(err < 0 ? -err : err); }

void throw_bpf_error(const std::string& what, int err) {
    std::string hint;
    int e = err < 0 ? -err : err;
    if ((e == EPERM || e == EACCES) && !has_bpf_privileges())
        hint = ": run as root (CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, CAP_SYS_ADMIN are needed)";
    else if (e == EPERM || e == EACCES)
        hint = ": the kernel refused although egresswatch has the privileges it needs (kernel lockdown, an LSM "
               "or a verifier rejection); run 'egresswatch doctor' (-v shows libbpf's messages)";
    else if (e == ENOENT || e == ESRCH)
        hint = ": this kernel lacks a needed hook or BTF type; run 'egresswatch doctor'";
    else if (e == EINVAL || e == ENOTSUP || e == EOPNOTSUPP)
        hint = ": this kernel does not support it; run 'egresswatch doctor' (-v shows the verifier log)";
    throw SetupError(what + " failed: " + errno_text(err) + hint);
}

}  // namespace egresswatch
