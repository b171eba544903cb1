#pragma once
// Whether a domain is a public suffix ("com", "co.uk", "github.io"), under which anyone can
// register names: a wildcard over it allows the whole world's names there.

#include <string>

namespace egresswatch {

// By the Public Suffix List built into libpsl; "*" rules (every label under a suffix) do not
// count, so a private name such as "test" or "internal" is not one.
bool is_public_suffix(const std::string& domain);

}  // namespace egresswatch
