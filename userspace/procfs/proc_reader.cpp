#include "procfs/proc_reader.h"

#include <dirent.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace egresswatch {
namespace {

std::optional<std::string> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string read_link(const std::string& path) {
    char buf[4096];
    ssize_t n = readlink(path.c_str(), buf, sizeof(buf) - 1);
    if (n <= 0) return {};
    std::string target(buf, static_cast<std::size_t>(n));
    // An unlinked binary still runs; its link says so.
    constexpr std::string_view deleted = " (deleted)";
    if (target.size() > deleted.size() && target.ends_with(deleted)) target.resize(target.size() - deleted.size());
    return target;
}

}  // namespace

std::optional<ProcessInfo> read_proc_process(const std::string& proc_root, std::uint32_t pid) {
    std::string dir = proc_root + "/" + std::to_string(pid);
    std::optional<std::string> stat = read_file(dir + "/stat");
    if (!stat) return std::nullopt;
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split at
    // the last ')'.
    std::size_t open = stat->find('(');
    std::size_t close = stat->rfind(')');
    if (open == std::string::npos || close == std::string::npos || close < open) return std::nullopt;
    ProcessInfo info;
    info.pid = pid;
    info.comm = stat->substr(open + 1, close - open - 1);
    std::istringstream rest(stat->substr(close + 1));
    std::string state;
    rest >> state >> info.ppid;
    info.exe = read_link(dir + "/exe");
    if (std::optional<std::string> cmdline = read_file(dir + "/cmdline")) {
        std::size_t start = 0;
        for (std::size_t i = 0; i < cmdline->size(); ++i) {
            if ((*cmdline)[i] == '\0') {
                info.argv.push_back(cmdline->substr(start, i - start));
                start = i + 1;
            }
        }
        if (start < cmdline->size()) info.argv.push_back(cmdline->substr(start));
    }
    return info;
}

std::vector<std::uint32_t> list_proc_pids(const std::string& proc_root) {
    std::vector<std::uint32_t> pids;
    DIR* dir = opendir(proc_root.c_str());
    if (!dir) return pids;
    while (dirent* ent = readdir(dir)) {
        char* end = nullptr;
        unsigned long pid = std::strtoul(ent->d_name, &end, 10);
        if (end && *end == '\0' && pid > 0) pids.push_back(static_cast<std::uint32_t>(pid));
    }
    closedir(dir);
    return pids;
}

void seed_from_proc(ProcessTable& table, const std::string& proc_root) {
    for (std::uint32_t pid : list_proc_pids(proc_root))
        if (auto info = read_proc_process(proc_root, pid)) table.upsert(std::move(*info));
}

std::string absolute_exe_path(const std::string& filename, const std::string& cwd) {
    if (filename.empty() || filename.front() == '/' || cwd.empty()) return filename;
    return (std::filesystem::path(cwd) / filename).lexically_normal().string();
}

}  // namespace egresswatch
