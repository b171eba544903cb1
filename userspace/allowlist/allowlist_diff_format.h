#pragma once
// `egresswatch allowlist diff` output: lines for people, JSON for scripts.

#include <string>
#include <vector>

#include "allowlist/allowlist_diff.h"
#include "base/json.h"

namespace egresswatch {

// One line per change, like diff(1) and nothing when equal:
//   + deb.example.org:443/tcp
//   - 198.18.0.2:8080/tcp
//   ~ mirror.example:80/tcp addresses +198.18.0.4 -198.18.0.3 processes +/usr/bin/wget
std::string render_diff_text(const std::vector<DestinationChange>& changes);

// {"equal": bool, "added": [entry], "removed": [entry],
//  "changed": [{"destination", "addresses": {"added", "removed"}, "processes": {...}}]}
Json render_diff_json(const std::vector<DestinationChange>& changes);

// An entry as JSON, the same keys as in the YAML file plus its "destination" label.
Json entry_json(const AllowEntry& entry);

}  // namespace egresswatch
