#include "system/launcher.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "base/errors.h"

namespace egresswatch {
namespace {

constexpr const char* kShell = "/bin/sh";

bool is_executable_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// In the child between fork and exec: only async-signal-safe calls. A file without `#!`
// that the kernel will not execute (ENOEXEC) is run by /bin/sh, as execvp() and every shell
// do, with `script_argv` (/bin/sh, the file, the rest of argv) made before the fork.
[[noreturn]] void child_main(int go_fd, int error_fd, const std::string& executable, char* const* argv,
                             char* const* script_argv) {
    char byte;
    ssize_t n;
    while ((n = ::read(go_fd, &byte, 1)) < 0 && errno == EINTR) {}
    if (n != 1) ::_exit(127);  // egresswatch went away before observation started

    // The parent blocks signals it reads through signalfd and ignores SIGPIPE; the command
    // must inherit neither (`yes | head` in a deploy script must still end).
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::execv(executable.c_str(), argv);
    int err = errno;
    if (err == ENOEXEC) {
        ::execv(kShell, script_argv);
        err = errno;
    }
    (void)!::write(error_fd, &err, sizeof(err));
    ::_exit(127);
}

}  // namespace

std::optional<std::string> find_executable(const std::string& name) {
    if (name.empty()) return std::nullopt;
    // Absolute, so that the process table names it the same way from any cwd.
    if (name.find('/') != std::string::npos)
        return is_executable_file(name) ? std::optional(std::filesystem::absolute(name).lexically_normal().string())
                                        : std::nullopt;
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
        if (is_executable_file(candidate)) return candidate;
    }
    return std::nullopt;
}

StagedCommand::StagedCommand(std::string executable, const std::vector<std::string>& argv)
    : executable_(std::move(executable)) {
    std::vector<char*> cargv;
    for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    std::vector<char*> script_argv{const_cast<char*>(kShell), executable_.data()};
    script_argv.insert(script_argv.end(), cargv.begin() + (argv.empty() ? 0 : 1), cargv.end());

    int go[2], err[2];
    if (::pipe2(go, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0)
        throw SetupError(std::string("pipe: ") + std::strerror(errno));
    pid_ = ::fork();
    if (pid_ < 0) throw SetupError(std::string("fork: ") + std::strerror(errno));
    if (pid_ == 0) {
        ::close(go[1]);
        ::close(err[0]);
        child_main(go[0], err[1], executable_, cargv.data(), script_argv.data());
    }
    ::close(go[0]);
    ::close(err[1]);
    go_pipe_ = go[1];
    exec_error_ = err[0];
    pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    if (pidfd_ < 0) throw SetupError(std::string("pidfd_open: ") + std::strerror(errno) + " (Linux 5.3+ needed)");
}

StagedCommand::~StagedCommand() {
    if (!released_ && pid_ > 0) {
        ::close(go_pipe_);  // the child sees EOF and exits without exec
        go_pipe_ = -1;
    }
    if (!reaped_ && !released_ && pid_ > 0) ::waitpid(pid_, nullptr, 0);
    for (int fd : {go_pipe_, exec_error_, pidfd_})
        if (fd >= 0) ::close(fd);
}

void StagedCommand::release() {
    released_ = true;
    char go = 1;
    (void)!::write(go_pipe_, &go, 1);
    ::close(go_pipe_);
    go_pipe_ = -1;
    int err = 0;
    ssize_t n;
    while ((n = ::read(exec_error_, &err, sizeof(err))) < 0 && errno == EINTR) {}
    ::close(exec_error_);
    exec_error_ = -1;
    if (n == static_cast<ssize_t>(sizeof(err))) {
        wait();
        throw SetupError("cannot execute " + executable_ + ": " + std::strerror(err));
    }
}

int StagedCommand::wait() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {}
    reaped_ = true;
    return status;
}

int shell_exit_code(int wait_status) {
    if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
    if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
    return 1;
}

}  // namespace egresswatch
