#pragma once
// Reads processes from a procfs tree. The root is a parameter so tests can use fixtures.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/process_table.h"

namespace egresswatch {

std::optional<ProcessInfo> read_proc_process(const std::string& proc_root, std::uint32_t pid);
std::vector<std::uint32_t> list_proc_pids(const std::string& proc_root);

// Seeds the table with every process alive now (for `watch`).
void seed_from_proc(ProcessTable& table, const std::string& proc_root);

// "./x" run from /srv becomes /srv/x; unchanged when already absolute or cwd is unknown.
std::string absolute_exe_path(const std::string& filename, const std::string& cwd);

}  // namespace egresswatch
