#pragma once

#include <string>

namespace egresswatch {

// Throws SetupError telling the user to run `what` as root.
void require_root(const std::string& what);

}  // namespace egresswatch
