#pragma once
// One allowlist from many (matrix jobs, many hosts), and the canonical form that merge,
// diff and export all work on, so their output never depends on the order of entries or
// of files.

#include <string>
#include <vector>

#include "allowlist/allowlist.h"

namespace egresswatch {

// The canonical form of one allowlist:
// - an address-only entry with several addresses becomes one entry per address or block,
//   so each can be added, removed and merged on its own;
// - entries with the same identity (host or address, port range, proto) become one: their
//   addresses, processes, images and sources are unioned. Processes are "any process" as
//   soon as one of them is (an empty list), since a union may only widen; images likewise;
// - entries are sorted by identity, and every list inside them is sorted and unique;
// - an entry's scope is the most public one among those merged.
Allowlist normalize_allowlist(const Allowlist& list);

struct MergeInput {
    Allowlist list;
    std::string label;  // provenance: the file name as given on the command line
};

// The union of several allowlists, normalized. Each entry's `sources` lists the labels
// of the inputs that contributed it; an entry that already had sources (a merged file
// merged again) keeps those instead, so provenance survives repeated merges. `generated`
// is the latest of the inputs' (RFC 3339 UTC text sorts by time) and `scope` the widest.
Allowlist merge_allowlists(const std::vector<MergeInput>& inputs);

}  // namespace egresswatch
