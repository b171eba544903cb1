// egresswatch watch: observe the host, or one cgroup, until stopped.
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "alerts/alert_dispatch.h"
#include "base/errors.h"
#include "cli/allowlist_input.h"
#include "cli/commands.h"
#include "cli/session.h"
#include "containers/container_cgroup.h"
#include "procfs/proc_reader.h"
#include "system/cgroup.h"
#include "system/privileges.h"

namespace egresswatch {
namespace fs = std::filesystem;

int command_watch(const WatchOptions& options) {
    std::optional<Allowlist> baseline;
    if (!options.alerts.baseline.empty()) baseline = read_allowlist_input(options.alerts.baseline);
    AlertDeliveryOptions delivery;
    delivery.exec_command = options.alerts.exec_command;
    delivery.syslog = options.alerts.syslog;
    delivery.webhook = options.alerts.webhook;
    OutputDir out(options.capture.out_dir);
    require_root("watch");
    std::string mount = cgroup2_mount();

    // --cgroup accepts a path below the mount, with or without the mount prefix.
    std::string relative = "/";
    if (!options.cgroup.empty()) {
        fs::path p(options.cgroup);
        if (p.string().rfind(mount, 0) == 0) p = "/" + p.lexically_relative(mount).string();
        relative = p.lexically_normal().string();
        if (relative.empty() || relative.front() != '/') relative = "/" + relative;
    }
    if (!options.container.empty()) {
        ContainerBook book;
        std::optional<ContainerCgroup> found;
        try {
            found = find_container_cgroup(mount, options.container, book);
        } catch (const std::runtime_error& e) {
            throw SetupError("--container " + std::string(e.what()));
        }
        if (!found)
            throw SetupError("--container " + options.container + ": no running container by that name or id in " +
                             mount + " (podman ps or docker ps lists the running ones)");
        relative = found->path;
        spdlog::info("container {} ({}) is cgroup {}", options.container, found->container.id.substr(0, 12), relative);
    }
    std::string absolute = (fs::path(mount) / fs::path(relative).relative_path()).lexically_normal().string();
    if (!fs::is_directory(absolute)) throw SetupError("--cgroup " + options.cgroup + ": no such cgroup at " + absolute);

    block_session_signals();
    int cgroup_fd = open_cgroup_dir(absolute);
    SessionConfig config;
    config.mode = "watch";
    config.capture = options.capture;
    config.cgroup_mount = mount;
    config.cgroup_relative = relative;
    config.attach_cgroup_fd = cgroup_fd;
    config.scope_process_events = relative != "/";
    config.baseline = std::move(baseline);
    config.baseline_path = options.alerts.baseline;
    config.rotation = options.rotation;
    config.write_interval = options.write_interval;
    // Declared before the session, so deliveries still queued outlive it.
    AlertDispatch alerts(std::cerr, delivery);
    if (config.baseline) config.notices.push_back(&alerts);
    LiveSession session(config, out);
    session.attach();
    seed_from_proc(session.processes(), "/proc");
    session.begin();
    spdlog::info("watching cgroup {}{}; Ctrl-C to stop", relative,
                 options.duration ? " for " + std::to_string(options.duration->count() / 1000) + "s" : "");

    std::optional<std::chrono::steady_clock::time_point> deadline;
    if (options.duration) deadline = std::chrono::steady_clock::now() + *options.duration;
    // SIGHUP, as services are told to: reopen the files (logrotate) and read the baseline again.
    session.run_until(-1, deadline, [&session](const LiveSession::SignalEvent& signal) {
        if (signal.signo != SIGHUP) return true;
        session.reload();
        return false;
    });
    session.finish(std::nullopt);
    alerts.finish();
    ::close(cgroup_fd);
    return 0;
}

}  // namespace egresswatch
