#pragma once
// TEMPORARY: reads the destinations of an allowlist.yaml for `egresswatch check`, only the
// keys the checker needs (host, addresses, port, proto), in the format that
// output/allowlist_yaml.cpp writes today. To be replaced by the allowlist model's loader
// (core/allowlist.h, branch `allowlist`) once both branches are merged: only this file and
// its call in cmd_check.cpp should need to change.

#include <stdexcept>
#include <string>
#include <vector>

#include "core/egress_check.h"

namespace egresswatch {

// The file cannot be read or is not an allowlist; the message names the file and the entry.
struct CheckInputError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Throws CheckInputError.
std::vector<CheckTarget> read_check_targets(const std::string& path);
std::vector<CheckTarget> parse_check_targets(const std::string& yaml_text, const std::string& source_name);

}  // namespace egresswatch
