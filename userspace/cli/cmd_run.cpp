// egresswatch run -- COMMAND: observe one command and every process it starts.
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "alerts/alert_dispatch.h"
#include "alerts/exit_code.h"
#include "base/errors.h"
#include "cli/allowlist_input.h"
#include "cli/commands.h"
#include "cli/session.h"
#include "enforce/blocked_notice.h"
#include "enforce/enforce_plan.h"
#include "system/cgroup.h"
#include "system/launcher.h"
#include "system/privileges.h"

namespace egresswatch {
namespace {

// The resolvers the command will ask (it shares egresswatch's mount namespace when it
// starts) and those given with --resolver: their port 53 is allowed, or no host entry could
// be resolved, and only their answers teach addresses (bpf/lib/enforce.bpf.h says why).
std::vector<IpAddress> command_resolvers(const std::vector<std::string>& listed) {
    std::ifstream in("/etc/resolv.conf");
    std::stringstream text;
    text << in.rdbuf();
    std::vector<IpAddress> resolvers = resolv_conf_nameservers(text.str());
    spdlog::debug("--enforce: {} resolver(s) from /etc/resolv.conf allowed on port 53", resolvers.size());
    for (const IpAddress& address : resolver_addresses(listed)) resolvers.push_back(address);
    return resolvers;
}

}  // namespace

int command_run(const RunOptions& options) {
    // Cheapest checks first, so a typo costs nothing and leaves nothing behind.
    std::optional<std::string> executable = find_executable(options.command.front());
    if (!executable) throw SetupError("command not found or not executable: " + options.command.front());
    // A malformed baseline stops everything here, with its FILE:LINE, before anything runs.
    std::optional<Allowlist> baseline;
    if (!options.alerts.baseline.empty()) baseline = read_allowlist_input(options.alerts.baseline);
    std::optional<EnforcePlan> enforce;
    if (!options.enforce.allowlist.empty())
        enforce = plan_enforcement(read_allowlist_input(options.enforce.allowlist),
                                   command_resolvers(options.enforce.resolvers), options.enforce.allowlist);
    if (enforce)
        for (const std::string& warning : enforce->warnings) spdlog::warn("{}", warning);
    OutputDir out(options.capture.out_dir);
    require_root("run");
    std::string mount = cgroup2_mount();

    block_session_signals();
    RunCgroup cgroup(mount, own_cgroup_path(), "egresswatch-run-" + std::to_string(::getpid()));
    // fail-closed: nothing the command started may go on unenforced, neither after the run
    // nor after egresswatch dies (its programs detach with it).
    bool kill_leftovers = enforce && !options.enforce.fail_open;
    cgroup.spawn_janitor(kill_leftovers ? LeftoverPolicy::kill : LeftoverPolicy::move_out);

    // The command is forked now but execs only after every program is attached.
    StagedCommand command(*executable, options.command);
    cgroup.add_process(command.pid());

    SessionConfig config;
    config.mode = "run";
    config.command = options.command;
    config.capture = options.capture;
    config.cgroup_mount = mount;
    config.cgroup_relative = cgroup.relative_path();
    config.attach_cgroup_fd = cgroup.fd();
    config.scope_process_events = true;
    config.retain_exited_processes = true;
    config.baseline = std::move(baseline);
    config.baseline_path = options.alerts.baseline;
    config.enforce = std::move(enforce);
    config.enforce_path = options.enforce.allowlist;
    config.enforce_fail_open = options.enforce.fail_open;
    config.follow_containers = options.follow_containers;
    if (kill_leftovers) config.on_followed = [&](const std::string& path) { cgroup.joined(mount + path); };
    AlertDispatch alerts(std::cerr, {});
    BlockedNotice blocked(std::cerr);
    if (config.baseline) config.notices.push_back(&alerts);
    if (config.enforce) config.notices.push_back(&blocked);
    LiveSession session(config, out);
    session.attach();

    ProcessInfo top;
    top.pid = static_cast<std::uint32_t>(command.pid());
    top.ppid = static_cast<std::uint32_t>(::getpid());
    top.exe = command.executable();
    top.argv = options.command;
    top.comm = options.command.front().substr(0, 15);
    session.processes().upsert(top);
    session.processes().set_root(top.pid);
    session.begin();
    try {
        command.release();
    } catch (const SetupError&) {
        out.discard_events();  // the command never ran: nothing was observed
        throw;
    }
    spdlog::debug("started {} as pid {} in cgroup {}", command.executable(), command.pid(), cgroup.relative_path());

    // Ctrl-C at a terminal reaches the command directly (same process group): let it decide,
    // and keep observing until it has exited. Termination requests are passed on, and so is a
    // SIGINT that a process sent to egresswatch alone (a supervisor, `timeout -s INT`).
    session.run_until(command.pidfd(), std::nullopt, [&](const LiveSession::SignalEvent& signal) {
        if (signal.signo != SIGINT || signal.from_process) ::kill(command.pid(), signal.signo);
        return false;
    });
    int exit_code = shell_exit_code(command.wait());

    std::size_t left = cgroup.release();
    if (left > 0 && kill_leftovers)
        spdlog::warn("{} process(es) started by the command were still running; they were killed "
                     "(--enforce-mode fail-closed lets nothing go on unenforced)",
                     left);
    else if (left > 0)
        spdlog::warn("{} process(es) started by the command were still running; they were moved out of the "
                     "observed cgroup and are no longer observed",
                     left);
    std::vector<std::string> containers_left = session.followed_cgroups_in_use();
    if (kill_leftovers && cgroup.release_joined() > 0)
        spdlog::warn("{} container cgroup(s) the run followed still held processes ({}{}); they were killed "
                     "(--enforce-mode fail-closed lets nothing go on unenforced)",
                     containers_left.size(), containers_left.empty() ? "" : containers_left.front(),
                     containers_left.size() > 1 ? ", ..." : "");
    else if (!containers_left.empty())
        spdlog::warn("{} container cgroup(s) the run followed still hold processes ({}{}); they are no longer "
                     "observed: the run ends with its command",
                     containers_left.size(), containers_left.front(), containers_left.size() > 1 ? ", ..." : "");
    const auto& not_followed = session.containers_not_followed();
    if (!not_followed.empty())
        spdlog::warn("{}{} container cgroup(s) were made during the run by a runtime outside it and not followed "
                     "({}{}): if the command started them (docker, containerd, systemd), run with "
                     "--follow-containers any",
                     not_followed.size(), not_followed.size() >= 1000 ? "+" : "", not_followed.front(),
                     not_followed.size() > 1 ? ", ..." : "");
    session.finish(exit_code);
    int status = run_exit_code(exit_code, session.alerts(), options.alerts.fail_on_new);
    if (status != exit_code)
        spdlog::warn("{} new destination(s) not in {}; exiting {} (--fail-on-new)", session.alerts(),
                     options.alerts.baseline, status);
    return status;
}

}  // namespace egresswatch
