#pragma once
// Running a command from a test: its exit code and what it printed.

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

std::string read_text(const std::string& path);
// The non-empty lines of a text.
std::vector<std::string> lines_of(const std::string& text);
std::string make_temp_dir(const std::string& prefix);

}  // namespace egresswatch::test
