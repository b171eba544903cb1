#include "system/cgroup.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "base/errors.h"
#include "procfs/mounts.h"

namespace egresswatch {
namespace fs = std::filesystem;
namespace {

std::string errno_text() { return std::strerror(errno); }

std::int64_t monotonic_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

bool write_file(const std::string& path, const std::string& value) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = ::write(fd, value.data(), value.size()) == static_cast<ssize_t>(value.size());
    ::close(fd);
    return ok;
}

std::vector<pid_t> read_procs(const std::string& cgroup_path) {
    std::vector<pid_t> pids;
    std::ifstream in(cgroup_path + "/cgroup.procs");
    pid_t pid;
    while (in >> pid) pids.push_back(pid);
    return pids;
}

}  // namespace

std::string cgroup2_mount() {
    std::ifstream mounts("/proc/self/mounts");
    if (auto mount = find_cgroup2_mount(mounts)) return *mount;
    throw SetupError("cgroup v2 is not mounted: mount it (mount -t cgroup2 none /sys/fs/cgroup) and try again");
}

std::string own_cgroup_path() {
    std::ifstream in("/proc/self/cgroup");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("0::", 0) == 0) return line.substr(3);
    return "/";
}

std::uint64_t cgroup_id_of(const std::string& absolute_path) {
    struct stat st {};
    if (::stat(absolute_path.c_str(), &st) != 0) return 0;
    return st.st_ino;
}

int open_cgroup_dir(const std::string& absolute_path) {
    int fd = ::open(absolute_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw SetupError("cannot open cgroup " + absolute_path + ": " + errno_text());
    return fd;
}

RunCgroup::RunCgroup(const std::string& mount, const std::string& parent_relative, const std::string& name) {
    fs::path parent = fs::path(mount) / fs::path(parent_relative).relative_path();
    return_to_ = parent.lexically_normal().string();
    path_ = (parent / name).lexically_normal().string();
    relative_ = "/" + fs::path(path_).lexically_relative(mount).string();
    if (::mkdir(path_.c_str(), 0755) != 0) throw SetupError("cannot create cgroup " + path_ + ": " + errno_text());
    fd_ = ::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd_ < 0) {
        ::rmdir(path_.c_str());
        throw SetupError("cannot open cgroup " + path_ + ": " + errno_text());
    }
    id_ = cgroup_id_of(path_);
}

RunCgroup::~RunCgroup() {
    release();
    if (janitor_pipe_ >= 0) ::close(janitor_pipe_);  // the janitor finds nothing left and exits
    if (janitor_pid_ > 0) ::waitpid(janitor_pid_, nullptr, 0);
}

void RunCgroup::add_process(pid_t pid) {
    if (!write_file(path_ + "/cgroup.procs", std::to_string(pid)))
        throw SetupError("cannot move pid " + std::to_string(pid) + " into cgroup " + path_ + ": " + errno_text());
}

std::size_t RunCgroup::release() {
    if (released_) return 0;
    released_ = true;
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    return policy_ == LeftoverPolicy::kill ? kill_and_remove_cgroup(path_) : empty_and_remove_cgroup(path_, return_to_);
}

void RunCgroup::spawn_janitor(LeftoverPolicy policy) {
    policy_ = policy;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw SetupError("pipe: " + errno_text());
    pid_t pid = ::fork();
    if (pid < 0) throw SetupError("fork: " + errno_text());
    if (pid == 0) {
        // Own session: a Ctrl-C meant for the run must not take the janitor with it.
        ::setsid();
        ::close(fds[1]);
        // Until the pipe ends (egresswatch released the cgroup, or died), it carries the paths
        // of the cgroups that joined the run, one a line.
        std::string joined;
        char buffer[4096];
        for (;;) {
            ssize_t n = ::read(fds[0], buffer, sizeof(buffer));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            joined.append(buffer, static_cast<std::size_t>(n));
        }
        // A process held at its exec (bpf/lib/hold_new_programs.bpf.h) when egresswatch died
        // would stay stopped.
        continue_cgroup_processes(path_);
        if (policy_ == LeftoverPolicy::kill) {
            kill_and_remove_cgroup(path_);
            for (std::size_t at = 0, end; (end = joined.find('\n', at)) != std::string::npos; at = end + 1)
                kill_cgroup_processes(joined.substr(at, end - at));
        } else {
            empty_and_remove_cgroup(path_, return_to_);
        }
        ::_exit(0);
    }
    ::close(fds[0]);
    janitor_pipe_ = fds[1];
    janitor_pid_ = pid;
}

void RunCgroup::joined(const std::string& absolute_path) {
    if (policy_ != LeftoverPolicy::kill) return;
    joined_.push_back(absolute_path);
    // A short write to a pipe the janitor reads all the time: at most a moment's wait.
    std::string line = absolute_path + "\n";
    if (janitor_pipe_ >= 0 && ::write(janitor_pipe_, line.data(), line.size()) < 0)
        spdlog::warn("cannot tell the janitor about cgroup {}: {}; it is not killed if egresswatch dies", absolute_path,
                     errno_text());
}

std::size_t RunCgroup::release_joined() {
    std::size_t held = 0;
    for (const std::string& path : joined_)
        if (kill_cgroup_processes(path) > 0) ++held;
    joined_.clear();
    return held;
}

void continue_cgroup_processes(const std::string& path) {
    for (pid_t pid : read_procs(path)) ::kill(pid, SIGCONT);
}

std::size_t kill_cgroup_processes(const std::string& path) {
    std::size_t killed = read_procs(path).size();
    if (killed == 0 || write_file(path + "/cgroup.kill", "1")) return killed;
    // Without cgroup.kill (before 5.14): SIGKILL each pid until none is left.
    for (int attempt = 0; attempt < 400; ++attempt) {
        auto procs = read_procs(path);
        if (procs.empty()) break;
        for (pid_t pid : procs) ::kill(pid, SIGKILL);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return killed;
}

std::size_t empty_and_remove_cgroup(const std::string& path, const std::string& return_to) {
    std::size_t moved = 0;
    // Processes may fork while they are being moved: repeat until rmdir succeeds.
    for (int attempt = 0; attempt < 200; ++attempt) {
        if (::rmdir(path.c_str()) == 0 || errno == ENOENT) return moved;
        if (errno != EBUSY) return moved;
        for (pid_t pid : read_procs(path))
            if (write_file(return_to + "/cgroup.procs", std::to_string(pid))) ++moved;
        // A process that just exited leaves the cgroup populated for a moment.
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return moved;
}

std::size_t kill_and_remove_cgroup(const std::string& path) {
    std::size_t killed = read_procs(path).size();
    // cgroup.kill (5.14) also catches processes forking while they are killed; without it,
    // SIGKILL each pid until none is left.
    bool kill_file = write_file(path + "/cgroup.kill", "1");
    for (int attempt = 0; attempt < 400; ++attempt) {
        if (::rmdir(path.c_str()) == 0 || errno == ENOENT) return killed;
        if (errno != EBUSY) return killed;
        if (!kill_file)
            for (pid_t pid : read_procs(path)) ::kill(pid, SIGKILL);
        // Killed processes leave the cgroup populated until they are reaped.
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return killed;
}

std::string CgroupNames::name(std::uint64_t id) {
    if (auto it = names_.find(id); it != names_.end()) return it->second;
    std::int64_t now = monotonic_ns();
    if (last_scan_ns_ < 0 || now - last_scan_ns_ > 1'000'000'000) {
        last_scan_ns_ = now;
        rescan();
        if (auto it = names_.find(id); it != names_.end()) return it->second;
    }
    return {};
}

void CgroupNames::rescan() {
    std::error_code ec;
    names_[cgroup_id_of(mount_)] = "/";
    for (auto it = fs::recursive_directory_iterator(mount_, fs::directory_options::skip_permission_denied, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) break;
        if (!it->is_directory(ec)) continue;
        names_[cgroup_id_of(it->path().string())] = "/" + it->path().lexically_relative(mount_).string();
    }
}

}  // namespace egresswatch
