#include "metrics/agent_usage.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

namespace egresswatch {

std::optional<AgentUsage> read_agent_usage(const std::string& proc_root) {
    std::ifstream stat(proc_root + "/self/stat");
    std::string line;
    if (!std::getline(stat, line)) return std::nullopt;
    // The command name (field 2) may hold spaces and parentheses: fields are counted after the
    // last ')'. utime and stime are fields 14 and 15.
    auto close = line.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream rest(line.substr(close + 1));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int index = 3; index <= 15 && rest >> field; ++index) {
        if (index == 14) utime = std::stoull(field);
        if (index == 15) stime = std::stoull(field);
    }
    if (!rest) return std::nullopt;
    std::ifstream statm(proc_root + "/self/statm");
    unsigned long long size = 0, resident = 0;
    if (!(statm >> size >> resident)) return std::nullopt;
    long ticks = ::sysconf(_SC_CLK_TCK);
    long page = ::sysconf(_SC_PAGESIZE);
    if (ticks <= 0 || page <= 0) return std::nullopt;
    AgentUsage usage;
    usage.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(ticks);
    usage.resident_bytes = resident * static_cast<unsigned long long>(page);
    return usage;
}

bool bpf_stats_enabled(const std::string& proc_root) {
    std::ifstream file(proc_root + "/sys/kernel/bpf_stats_enabled");
    int value = 0;
    return file >> value && value != 0;
}

}  // namespace egresswatch
