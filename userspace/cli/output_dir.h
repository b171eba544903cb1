#pragma once
// The --out directory: events.jsonl as it happens, report.json and allowlist.yaml at the end.

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>

#include "core/aggregator.h"

namespace egresswatch {

class OutputDir {
public:
    // Creates the directory; with `events` also creates events.jsonl. Throws SetupError
    // saying which path cannot be written and why.
    OutputDir(const std::string& dir, bool events);

    std::ostream& events() { return events_; }
    const std::string& path() const { return dir_; }

    // Written to a temporary name and renamed, so a reader never sees half a file.
    void write_results(const Aggregator& agg, std::optional<ScopeFilter> scope, std::int64_t now_ns) const;

private:
    std::string dir_;
    std::ofstream events_;
};

std::int64_t wall_clock_ns();

}  // namespace egresswatch
