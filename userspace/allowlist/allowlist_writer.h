#pragma once
// The allowlist model back to allowlist.yaml, in the layout the recorder writes (so a
// merged file diffs cleanly against a recorded one): keys in schema order, one item per line.

#include <string>
#include <string_view>

#include "allowlist/allowlist.h"

namespace egresswatch {

// `comment` becomes the first line, after "# ".
std::string write_allowlist_yaml(const Allowlist& list, std::string_view comment);

}  // namespace egresswatch
