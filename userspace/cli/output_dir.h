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
    // Creates the directory and checks that it is writable, without touching any file a
    // previous run left there. Throws SetupError saying which path and why.
    explicit OutputDir(const std::string& dir);

    // Starts events.jsonl afresh: call only once observation is certain to start, so a
    // failed start never erases what an earlier run recorded.
    void open_events();
    std::ostream& events() { return events_; }
    std::ostream& requests() { return requests_; }
    const std::string& path() const { return dir_; }

    // Written to a temporary name and renamed, so a reader never sees half a file.
    void write_results(const Aggregator& agg, std::optional<ScopeFilter> scope, std::int64_t now_ns) const;

private:
    std::string dir_;
    std::ofstream events_;
    std::ofstream requests_;
};

std::int64_t wall_clock_ns();

}  // namespace egresswatch
