#pragma once
// cgroup v2 plumbing: where the hierarchy is, the run's own child cgroup, and the janitor
// that removes it even if egresswatch is SIGKILLed.

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace egresswatch {

// The cgroup2 mount point from /proc/self/mounts. Throws SetupError if there is none.
std::string cgroup2_mount();

// This process's cgroup v2 path relative to the mount ("/" at the root).
std::string own_cgroup_path();

std::uint64_t cgroup_id_of(const std::string& absolute_path);

// Opens a cgroup directory for attaching programs. Throws SetupError naming the path.
int open_cgroup_dir(const std::string& absolute_path);

// What happens to processes still in a run's cgroup when it is released (or when
// egresswatch dies): moved to the parent cgroup and left running, or killed.
enum class LeftoverPolicy { move_out, kill };

// A child cgroup that exists for one run: created on construction, emptied (its remaining
// processes moved to `return_to`) and removed by release() or the destructor.
class RunCgroup {
public:
    RunCgroup(const std::string& mount, const std::string& parent_relative, const std::string& name);
    ~RunCgroup();
    RunCgroup(const RunCgroup&) = delete;
    RunCgroup& operator=(const RunCgroup&) = delete;

    void add_process(pid_t pid);
    // Returns how many processes were still inside and had to be moved out or killed
    // (the policy given to spawn_janitor).
    std::size_t release();

    const std::string& absolute_path() const { return path_; }
    const std::string& relative_path() const { return relative_; }
    int fd() const { return fd_; }
    std::uint64_t id() const { return id_; }

    // Starts a process outside the cgroup that waits for this process to die and then
    // releases the cgroup if it still exists. Call once, before any process joins.
    void spawn_janitor(LeftoverPolicy policy = LeftoverPolicy::move_out);
    // Another cgroup (a container's, absolute path) that joined the run: under
    // LeftoverPolicy::kill its processes die with the run too, when release_joined() is called
    // or when egresswatch dies. The cgroup itself is its runtime's to remove.
    void joined(const std::string& absolute_path);
    // Kills the processes of the joined cgroups under LeftoverPolicy::kill; returns how many
    // cgroups still held some.
    std::size_t release_joined();

private:
    std::string path_;
    std::string relative_;
    std::string return_to_;
    int fd_ = -1;
    std::uint64_t id_ = 0;
    bool released_ = false;
    LeftoverPolicy policy_ = LeftoverPolicy::move_out;
    std::vector<std::string> joined_;
    int janitor_pipe_ = -1;
    pid_t janitor_pid_ = -1;
};

// Moves every process out of `path` into `return_to` and removes `path`. Returns how many
// were moved; safe to call on a directory that is already gone.
std::size_t empty_and_remove_cgroup(const std::string& path, const std::string& return_to);
// Kills every process in `path` (and below) and removes it. Returns how many there were.
std::size_t kill_and_remove_cgroup(const std::string& path);
// Kills every process in `path` (and below), and leaves the cgroup. Returns how many there were.
std::size_t kill_cgroup_processes(const std::string& path);
// SIGCONT to each process directly in the cgroup (run's held programs, when egresswatch died).
void continue_cgroup_processes(const std::string& path);

// cgroup id -> path relative to the mount, for naming the cgroup of each event. A cgroup made
// during the session is learned from the kernel's event the moment it appears (learn());
// otherwise the hierarchy is rescanned when asked for an id it does not know, at most once a
// second (and a cgroup gone by then stays unnamed).
class CgroupNames {
public:
    explicit CgroupNames(std::string mount) : mount_(std::move(mount)) {}
    std::string name(std::uint64_t id);
    // `path` is below the hierarchy's root ("/a/b"), as the kernel names it.
    void learn(std::uint64_t id, const std::string& path) { names_[id] = path; }

private:
    void rescan();
    std::string mount_;
    std::map<std::uint64_t, std::string> names_;
    std::int64_t last_scan_ns_ = -1;
};

}  // namespace egresswatch
