#pragma once
// What changed between two allowlists, destination by destination: what a reviewer of a
// pull request that updates a committed allowlist wants to read.

#include <string>
#include <vector>

#include "allowlist/allowlist.h"

namespace egresswatch {

// Processes and images are compared with "*" standing for an empty list (any process, any
// image), so widening an entry shows as a change rather than as processes removed.
constexpr const char* kAnyProcess = "*";

struct ListChange {
    std::vector<std::string> added;
    std::vector<std::string> removed;
    bool empty() const { return added.empty() && removed.empty(); }
};

struct DestinationChange {
    enum class Kind { added, removed, changed };
    Kind kind = Kind::added;
    std::string label;     // entry_label of the destination
    AllowEntry before;     // removed, changed
    AllowEntry after;      // added, changed
    ListChange addresses;  // changed only
    ListChange processes;  // changed only
    ListChange images;     // changed only
};

// Both lists are normalized first, so order and duplicates never show as changes; nor do
// `sources`, `scope`, `generated` (they say where an entry came from, not what it allows).
// Changes are sorted as the entries are.
std::vector<DestinationChange> diff_allowlists(const Allowlist& before, const Allowlist& after);

}  // namespace egresswatch
