#pragma once
// Command lines carry the same secrets as the requests they make: `curl -H
// "Authorization: Bearer ..." https://host/x?token=...`. Every record names its process's
// argv, so argv is redacted with the same rules as HTTP heads.

#include <string>
#include <string_view>
#include <vector>

namespace egresswatch {

// A URL argument (scheme://...) has its query values and userinfo redacted; a
// "Header: value" argument naming a secret header has its value redacted. Anything else
// is returned unchanged.
std::string redact_argument(std::string_view argument);
void redact_argv(std::vector<std::string>& argv);

}  // namespace egresswatch
