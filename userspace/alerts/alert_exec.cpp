#include "alerts/alert_exec.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "base/timefmt.h"

extern char** environ;

namespace egresswatch {
namespace {

std::string exit_text(int status) {
    if (WIFEXITED(status)) return "exited with " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
    return "ended oddly";
}

}  // namespace

std::vector<std::pair<std::string, std::string>> alert_environment(const AlertRecord& alert) {
    const ConnectionRecord& c = alert.connection;
    return {{"EGRESSWATCH_ALERT_DESTINATION", alert_destination(c)},
            {"EGRESSWATCH_ALERT_HOST", c.host.value_or("")},
            {"EGRESSWATCH_ALERT_ADDRESS", c.address.to_string()},
            {"EGRESSWATCH_ALERT_PORT", std::to_string(c.port)},
            {"EGRESSWATCH_ALERT_PROTO", std::string(protocol_name(c.protocol))},
            {"EGRESSWATCH_ALERT_EXE", c.process.exe},
            {"EGRESSWATCH_ALERT_PID", std::to_string(c.process.pid)},
            {"EGRESSWATCH_ALERT_REASON", alert.reason},
            {"EGRESSWATCH_ALERT_BASELINE", alert.baseline},
            {"EGRESSWATCH_ALERT_TS", format_timestamp(alert.ts_ns)}};
}

std::optional<std::string> run_alert_command(const std::string& command, const AlertJob& job,
                                             std::chrono::milliseconds timeout) {
    // Everything the child needs is built before fork: after it, only async-signal-safe calls.
    std::vector<std::string> env_text;
    for (char** e = environ; e && *e; ++e)
        if (std::strncmp(*e, "EGRESSWATCH_ALERT_", 18) != 0) env_text.emplace_back(*e);
    for (const auto& [k, v] : alert_environment(job.alert)) env_text.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& s : env_text) envp.push_back(s.data());
    envp.push_back(nullptr);
    const char* argv[] = {"sh", "-c", command.c_str(), nullptr};

    // A socket rather than a pipe for stdin: send() with MSG_NOSIGNAL cannot raise SIGPIPE in
    // egresswatch when the command does not read its input.
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return std::string("socketpair: ") + std::strerror(errno);
    pid_t pid = ::fork();
    if (pid < 0) {
        int e = errno;
        ::close(sv[0]);
        ::close(sv[1]);
        return std::string("fork: ") + std::strerror(e);
    }
    if (pid == 0) {
        ::setpgid(0, 0);  // its own group, so a timeout kills what it started too
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);  // egresswatch blocks its session signals
        ::signal(SIGPIPE, SIG_DFL);                  // and ignores SIGPIPE
        ::dup2(sv[1], STDIN_FILENO);
        ::execve("/bin/sh", const_cast<char* const*>(argv), envp.data());
        ::_exit(127);
    }
    ::close(sv[1]);
    std::string payload = job.json + "\n";
    for (std::size_t sent = 0; sent < payload.size();) {
        ssize_t n = ::send(sv[0], payload.data() + sent, payload.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;  // it does not read stdin: its business
        sent += static_cast<std::size_t>(n);
    }
    ::close(sv[0]);

    auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    for (;;) {
        pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) break;
        if (r < 0 && errno != EINTR) return std::string("waitpid: ") + std::strerror(errno);
        if (std::chrono::steady_clock::now() >= deadline) {
            ::kill(-pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            std::string after = timeout.count() % 1000 ? std::to_string(timeout.count()) + "ms"
                                                       : std::to_string(timeout.count() / 1000) + "s";
            return "'" + command + "' still running after " + after + "; killed";
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return std::nullopt;
    return "'" + command + "' " + exit_text(status);
}

}  // namespace egresswatch
