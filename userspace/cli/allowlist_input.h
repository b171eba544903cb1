#pragma once
// An allowlist file a command reads (--enforce, --baseline, check, merge, diff, export): loaded,
// with what the loader warns about said once on stderr.

#include <string>

#include "allowlist/allowlist.h"

namespace egresswatch {

Allowlist read_allowlist_input(const std::string& path);

}  // namespace egresswatch
