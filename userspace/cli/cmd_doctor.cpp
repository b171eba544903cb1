// egresswatch doctor: what this kernel allows, and which hook each job uses.
#include <sys/utsname.h>
#include <unistd.h>

#include <iostream>
#include <memory>

#include "bpf/features.h"
#include "cli/commands.h"
#include "core/errors.h"
#include "system/cgroup.h"
#include "system/privileges.h"

namespace egresswatch {

int command_doctor() {
    require_root("doctor");
    utsname uts{};
    ::uname(&uts);
    std::cout << "kernel: " << uts.release << " " << uts.machine << "\n";

    std::string probe_cgroup;
    std::unique_ptr<RunCgroup> scratch;
    try {
        std::string mount = cgroup2_mount();
        scratch = std::make_unique<RunCgroup>(mount, own_cgroup_path(),
                                              "egresswatch-doctor-" + std::to_string(::getpid()));
        probe_cgroup = scratch->absolute_path();
    } catch (const SetupError& e) {
        std::cout << "cgroup: " << e.what() << "\n";
    }
    const KernelFeatures& features = probe_kernel_features(probe_cgroup);

    std::cout << "\nfeatures (each probed by a real load and attach):\n";
    for (const auto& p : features.probes) {
        std::string name = p.name + (p.required ? " (required)" : "");
        std::cout << "  " << (p.available ? "yes " : "no  ") << name << std::string(name.size() < 26 ? 26 - name.size() : 1, ' ')
                  << p.detail << "\n";
    }
    std::cout << "\nhooks chosen:\n";
    for (const auto& [job, hook] : chosen_hooks(features)) std::cout << "  " << job << ": " << hook << "\n";
    bool ok = features.all_required_available();
    std::cout << "\n" << (ok ? "ready: egresswatch run and watch will work here" :
                               "not ready: a required feature is missing (see above)") << "\n";
    return ok ? 0 : 1;
}

}  // namespace egresswatch
