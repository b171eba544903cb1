#pragma once
// Reads allowlist.yaml into the model, checking everything on the way: the first problem
// found is thrown as an AllowlistError, one line, "FILE:LINE: what is wrong (what to do)".

#include <string>
#include <string_view>

#include "allowlist/allowlist.h"

namespace egresswatch {

// `file` is only used in messages (and as the default provenance label by merge).
Allowlist parse_allowlist(std::string_view yaml, const std::string& file);
Allowlist load_allowlist_file(const std::string& path);

}  // namespace egresswatch
