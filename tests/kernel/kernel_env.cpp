#include "kernel_env.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "procfs/mounts.h"

namespace egresswatch::test {

std::optional<std::string> kernel_unavailable_reason() {
    if (geteuid() != 0) return "needs root (load BPF programs, create network namespaces)";
    if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) return "kernel has no BTF";
    for (const char* tool : {"/usr/sbin/ip", "/usr/bin/curl", "/usr/bin/python3", "/usr/sbin/bpftool"})
        if (access(tool, X_OK) != 0) return std::string(tool) + " missing: run scripts/install-deps.sh";
    if (cgroup2_mount_for_tests().empty()) return "cgroup v2 not mounted";
    return std::nullopt;
}

bool kernel_tests_required() {
    const char* v = std::getenv("EGRESSWATCH_REQUIRE_KERNEL_TESTS");
    return v && std::string(v) == "1";
}

CommandResult run_egresswatch(const std::vector<std::string>& args, std::chrono::milliseconds timeout,
                              const std::vector<std::string>& prefix) {
    std::vector<std::string> argv = prefix;
    argv.push_back(EGRESSWATCH_BINARY);
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, timeout);
}

std::vector<nlohmann::json> read_events(const std::string& out_dir) {
    std::vector<nlohmann::json> events;
    std::ifstream in(out_dir + "/events.jsonl");
    std::string line;
    while (std::getline(in, line))
        if (!line.empty()) events.push_back(nlohmann::json::parse(line));
    return events;
}

std::vector<nlohmann::json> events_of_type(const std::vector<nlohmann::json>& events, const std::string& type) {
    std::vector<nlohmann::json> out;
    for (const auto& e : events)
        if (e.value("type", "") == type) out.push_back(e);
    return out;
}

std::vector<std::string> loaded_program_names() {
    std::vector<std::string> names;
    auto r = run_command({"/usr/sbin/bpftool", "-j", "prog", "show"});
    if (r.exit_code != 0) return names;
    for (const auto& prog : nlohmann::json::parse(r.out))
        if (prog.contains("name")) names.push_back(prog["name"].get<std::string>());
    return names;
}

bool any_egresswatch_program_loaded() {
    static const std::vector<std::string> ours{"connect4_record", "connect6_record", "sendmsg4_record",
                                               "sendmsg6_record", "sched_process_e"};
    for (const auto& name : loaded_program_names())
        for (const auto& o : ours)
            if (name == o) return true;
    return false;
}

std::string cgroup2_mount_for_tests() {
    std::ifstream mounts("/proc/self/mounts");
    return find_cgroup2_mount(mounts).value_or("");
}

}  // namespace egresswatch::test
