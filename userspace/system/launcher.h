#pragma once
// Starts the observed command in two steps: fork now, exec only once observation is in
// place (a pipe handshake), so not one connection of the command escapes.

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace egresswatch {

// The executable a shell would run for `name` (PATH lookup unless it has a '/').
std::optional<std::string> find_executable(const std::string& name);

class StagedCommand {
public:
    // Forks a child that waits to exec `executable` (as find_executable resolved argv[0])
    // with `argv`.
    StagedCommand(std::string executable, const std::vector<std::string>& argv);
    ~StagedCommand();
    StagedCommand(const StagedCommand&) = delete;
    StagedCommand& operator=(const StagedCommand&) = delete;

    pid_t pid() const { return pid_; }
    const std::string& executable() const { return executable_; }

    // Lets the child exec. Throws SetupError if exec failed (the child has then exited).
    void release();

    // A pidfd for the child, for poll/epoll; owned by this object.
    int pidfd() const { return pidfd_; }

    // Reaps the child; returns its wait status. Call after pidfd is readable.
    int wait();

private:
    pid_t pid_ = -1;
    int pidfd_ = -1;
    int go_pipe_ = -1;     // parent writes one byte: exec now
    int exec_error_ = -1;  // child writes errno if exec fails; closed on exec (CLOEXEC)
    std::string executable_;
    bool released_ = false;
    bool reaped_ = false;
};

// A shell's convention for an exit status: the code, or 128 + the signal.
int shell_exit_code(int wait_status);

}  // namespace egresswatch
