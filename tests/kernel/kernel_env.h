#pragma once
// Whether kernel tests can run here, and what to do when they cannot: skip with the
// reason, or fail when EGRESSWATCH_REQUIRE_KERNEL_TESTS=1 (as CI sets it).

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/subprocess.h"

namespace egresswatch::test {

std::optional<std::string> kernel_unavailable_reason();
bool kernel_tests_required();

// Runs `egresswatch ARGS` (after `prefix`, a command that execs its arguments) and returns the result.
CommandResult run_egresswatch(const std::vector<std::string>& args,
                              std::chrono::milliseconds timeout = std::chrono::seconds(120),
                              const std::vector<std::string>& prefix = {});

std::vector<nlohmann::json> read_events(const std::string& out_dir);
std::vector<nlohmann::json> events_of_type(const std::vector<nlohmann::json>& events, const std::string& type);

// Names of loaded BPF programs (as the kernel truncates them: 15 characters).
std::vector<std::string> loaded_program_names();
bool any_egresswatch_program_loaded();

std::string cgroup2_mount_for_tests();

// A temporary directory, removed however the test ends.
struct TempDir {
    explicit TempDir(const std::string& prefix) : path(make_temp_dir(prefix)) {}
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string path;
};

// An environment variable set for egresswatch's test hooks while in scope.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const std::string& value) : name_(name) { ::setenv(name, value.c_str(), 1); }
    ~ScopedEnv() { ::unsetenv(name_); }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    const char* name_;
};

}  // namespace egresswatch::test

#define EW_REQUIRE_KERNEL()                                                         \
    do {                                                                            \
        if (auto why = ::egresswatch::test::kernel_unavailable_reason()) {          \
            if (::egresswatch::test::kernel_tests_required())                       \
                FAIL() << "kernel test cannot run: " << *why                        \
                       << " (EGRESSWATCH_REQUIRE_KERNEL_TESTS=1 forbids skipping)"; \
            else                                                                    \
                GTEST_SKIP() << "kernel test skipped: " << *why;                    \
        }                                                                           \
    } while (0)
