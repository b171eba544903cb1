// egresswatch doctor: what this kernel offers, and what run and watch get here. Its verdict
// comes from loading and attaching exactly the programs run and watch load (load_and_attach,
// with every fallback), not from the one-program-per-hook probes it also shows.
#include <fcntl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <iostream>
#include <memory>
#include <optional>

#include "base/errors.h"
#include "base/unique_fd.h"
#include "cli/commands.h"
#include "cli/session.h"
#include "enforce/enforce_plan.h"
#include "kernel/features.h"
#include "kernel/tls_attacher.h"
#include "kernel/tracer.h"
#include "system/cgroup.h"
#include "system/privileges.h"

namespace egresswatch {
namespace {

// How doctor names each job of describe_hooks().
const std::pair<const char*, const char*> kJobs[] = {
    {"connections", "connections"},
    {"datagrams", "unconnected UDP"},
    {"process_lineage", "process lineage"},
    {"payload", "names and requests (DNS, TLS SNI, HTTP)"},
    {"tls_plaintext", "HTTPS requests (TLS library plaintext)"},
    {"tls_plaintext_go", "HTTPS requests of Go programs"},
    {"transport", "transport"},
    {"enforcement", "enforcement"},
};

void print_hooks(const Tracer& tracer) {
    auto hooks = tracer.hooks_in_use();
    for (const auto& [key, job] : kJobs)
        if (auto it = hooks.find(key); it != hooks.end()) std::cout << "  " << job << ": " << it->second << "\n";
    for (const Degradation& refused : tracer.plan().degradations) std::cout << "  " << refused.line() << "\n";
}

// Which TLS libraries run and watch would read HTTPS requests from: found and attached
// for real with the tracer's programs and the same attacher, then detached again.
void print_tls_libraries(const Tracer* tracer) {
    std::cout << "\nTLS libraries (HTTPS requests read in plaintext):\n";
    if (!tracer || !tracer->capture_tls()) {
        std::cout << "  unavailable: the TLS programs are not loaded (see above)\n";
        return;
    }
    try {
        TlsAttacher tls(*tracer);
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
        std::cout << "  Go programs (crypto/tls, Go 1.18+): "
                  << (tracer->capture_go_tls() ? "probed in each Go executable when a process starts it\n"
                                               : "unavailable: the Go programs are not loaded (see above)\n");
    } catch (const SetupError& e) {
        std::cout << "  unavailable: " << e.what() << "\n";
    }
    std::cout << "  not covered (their HTTPS connections are named by TLS SNI only):";
    const auto& missing = tls_not_covered();
    for (std::size_t i = 0; i < missing.size(); ++i) std::cout << (i ? ", " : " ") << missing[i];
    std::cout << "\n";
}

// The programs with enforcement compiled in (an empty allowlist), which the verifier checks
// apart from the observing ones, loaded and attached as run --enforce would.
std::optional<std::string> enforcement_failure(int cgroup_fd, int root_fd) {
    try {
        EnforcePlan plan = plan_enforcement(Allowlist{}, {}, "(empty allowlist)");
        LoaderOptions options = loader_options(CaptureOptions{});
        options.ringbuf_bytes = 1u << 16;
        options.capture_tls = false;
        options.scope_cgroup_fd = cgroup_fd;
        options.sock_addr_cgroup_fd = root_fd;
        options.enforce = &plan;
        auto tracer = load_and_attach(options, cgroup_fd);
        std::cout << "  available: " << tracer->hooks_in_use()["enforcement"] << "\n";
        return std::nullopt;
    } catch (const SetupError& e) {
        std::cout << "  unavailable: " << e.what() << "\n";
        return e.what();
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
    UniqueFd root;  // where run attaches its connect programs, to judge by the acting task
    std::optional<std::string> failure;
    try {
        std::string mount = cgroup2_mount();
        scratch =
            std::make_unique<RunCgroup>(mount, own_cgroup_path(), "egresswatch-doctor-" + std::to_string(::getpid()));
        probe_cgroup = scratch->absolute_path();
        root = UniqueFd(open_cgroup_dir(mount));
    } catch (const SetupError& e) {
        std::cout << "cgroup: " << e.what() << "\n";
        failure = e.what();
    }
    const KernelFeatures& features = probe_kernel_features(probe_cgroup);

    std::cout << "\nhooks this kernel offers (each probed by loading and attaching one small program):\n";
    for (const auto& p : features.probes) {
        std::string name = p.name + (p.required ? " (required)" : "");
        std::cout << "  " << (p.available ? "yes " : "no  ") << name
                  << std::string(name.size() < 26 ? 26 - name.size() : 1, ' ') << p.detail << "\n";
    }

    // The scratch cgroup scopes the process programs too, so nothing outside it is reported.
    int cgroup_fd = scratch ? scratch->fd() : -1;
    std::cout << "\nrun and watch (their programs, loaded and attached here as they would be):\n";
    std::unique_ptr<Tracer> tracer;
    if (!failure) {
        try {
            LoaderOptions options = loader_options(CaptureOptions{});
            options.ringbuf_bytes = 1u << 16;
            options.scope_cgroup_fd = cgroup_fd;
            options.sock_addr_cgroup_fd = root.get();
            tracer = load_and_attach(options, cgroup_fd);
            print_hooks(*tracer);
        } catch (const SetupError& e) {
            std::cout << "  fail: " << e.what() << "\n";
            failure = e.what();
        }
    }
    print_tls_libraries(tracer.get());
    bool degraded = tracer && !tracer->plan().degradations.empty();
    tracer.reset();

    std::cout << "\nenforcement (run --enforce):\n";
    std::optional<std::string> enforcement;
    if (failure)
        std::cout << "  unavailable: see above\n";
    else
        enforcement = enforcement_failure(cgroup_fd, root.get());

    if (failure) {
        std::cout << "\nnot ready: egresswatch run and watch fail here: " << *failure << "\n";
        return 1;
    }
    std::cout << "\n"
              << (degraded ? "ready, with less: egresswatch run and watch work here, without what is "
                             "listed as unavailable above"
                           : "ready: egresswatch run and watch will work here");
    if (enforcement) std::cout << "; run --enforce does not (see above)";
    std::cout << "\n";
    return 0;
}

}  // namespace egresswatch
