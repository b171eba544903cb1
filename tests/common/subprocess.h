#pragma once
// Running a command from a test: its exit code and what it printed.

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace egresswatch::test {

struct CommandResult {
    int exit_code = -1;  // shell convention: 128 + signal when killed
    std::string out;
    std::string err;
};

// Runs argv (no shell) with an optional timeout; kills it when the timeout passes.
CommandResult run_command(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout = std::chrono::seconds(60));

// Runs a shell snippet with /bin/sh -c.
CommandResult sh(const std::string& script, std::chrono::milliseconds timeout = std::chrono::seconds(60));

// A test server in the background: argv (argv[0] a path, no PATH lookup) with stdin from
// /dev/null and stdout and stderr to `log`. It gets SIGKILL when the calling thread dies, so a
// crashed test binary leaves no server behind. -1 if `log` cannot be opened.
pid_t spawn_server(const std::vector<std::string>& argv, const std::string& log);
// Stops it: SIGTERM, then SIGKILL if it has not gone within a second; pid becomes -1.
void stop_server(pid_t& pid);
// Whether it has exited (and reaps it; pid becomes -1).
bool server_exited(pid_t& pid);

std::string read_text(const std::string& path);
// The non-empty lines of a text.
std::vector<std::string> lines_of(const std::string& text);
std::string make_temp_dir(const std::string& prefix);

}  // namespace egresswatch::test

namespace egresswatch::test {

// Builds a Go program with Debian's Go, offline: GOPATH mode over Debian's Go library packages
// (/usr/share/gocode), with a build cache kept between runs (a cold build takes a minute).
// `extra` goes before the source: "-buildmode=pie", "-ldflags=-s -w".
CommandResult go_build(const std::string& source, const std::string& output,
                       const std::vector<std::string>& extra = {});

}  // namespace egresswatch::test
