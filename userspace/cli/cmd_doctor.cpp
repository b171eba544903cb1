// egresswatch doctor: what this kernel allows, and which hook each job uses.
#include <sys/utsname.h>
#include <unistd.h>

#include <iostream>
#include <memory>

#include "bpf/features.h"
#include "bpf/loader.h"
#include "bpf/tls_attacher.h"
#include "core/enforce_plan.h"
#include "cli/commands.h"
#include "core/errors.h"
#include "system/cgroup.h"
#include "system/privileges.h"

namespace egresswatch {
namespace {

// Which TLS libraries run and watch would read HTTPS requests from: found and attached
// for real (the full programs, the same attacher), then detached again.
void print_tls_libraries() {
    std::cout << "\nTLS libraries (HTTPS requests read in plaintext):\n";
    try {
        LoaderOptions options;
        options.ringbuf_bytes = 1u << 16;
        Tracer tracer(options);
        TlsAttacher tls(tracer);
        tls.attach_system_libraries();
        auto libraries = tls.attached();
        if (libraries.empty()) std::cout << "  none in the standard library directories\n";
        for (const AttachedTlsLibrary& lib : libraries) {
            std::string functions;
            for (const auto& f : lib.functions) functions += (functions.empty() ? "" : ", ") + f;
            std::cout << "  attached " << tls_library_name(lib.kind) << ": " << lib.path << " (" << functions << ")\n";
        }
        std::cout << "  also found when observed processes map them: other copies of these libraries, and\n"
                     "  executables that link OpenSSL in and export its functions (node)\n";
    } catch (const SetupError& e) {
        std::cout << "  unavailable: " << e.what() << "\n";
    }
    std::cout << "  not covered (their HTTPS connections are named by TLS SNI only):";
    const auto& missing = tls_not_covered();
    for (std::size_t i = 0; i < missing.size(); ++i) std::cout << (i ? ", " : " ") << missing[i];
    std::cout << "\n";
}

// Whether run --enforce can load here: the programs with enforcement compiled in (an empty
// allowlist), which the verifier checks separately from the observing ones.
void print_enforcement() {
    std::cout << "\nenforcement (run --enforce):\n";
    try {
        EnforcePlan plan = plan_enforcement(Allowlist{}, {}, "(empty allowlist)");
        LoaderOptions options;
        options.ringbuf_bytes = 1u << 16;
        options.capture_tls = false;
        options.enforce = &plan;
        Tracer tracer(options);
        std::cout << "  available: verdicts in cgroup/connect4, connect6, sendmsg4, sendmsg6; DNS answers "
                     "learned at cgroup_skb/ingress\n";
    } catch (const SetupError& e) {
        std::cout << "  unavailable: " << e.what() << "\n";
    }
}

}  // namespace

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
    print_tls_libraries();
    print_enforcement();
    bool ok = features.all_required_available();
    std::cout << "\n" << (ok ? "ready: egresswatch run and watch will work here" :
                               "not ready: a required feature is missing (see above)") << "\n";
    return ok ? 0 : 1;
}

}  // namespace egresswatch
