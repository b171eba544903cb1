#pragma once
// The --out directory: events.jsonl and requests.log as it happens, report.json and
// allowlist.yaml at the end.

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "cli/space_reserve.h"
#include "report/aggregator.h"
#include "report/line_output.h"
#include "report/rotating_file.h"

namespace egresswatch {

class OutputDir {
public:
    // Creates the directory and checks that it is writable, without touching any file a
    // previous run left there. Throws SetupError saying which path and why.
    explicit OutputDir(const std::string& dir);

    // Starts events.jsonl and requests.log afresh, and holds back room for what is written at
    // the end (SpaceReserve). Call only once observation is certain to start, so a failed
    // start never erases what an earlier run recorded.
    void open_events(const RotationPolicy& rotation = {});
    LineOutput& events() { return events_; }
    LineOutput& requests() { return requests_; }
    // SIGHUP: events.jsonl and requests.log opened again by name, to append (logrotate moved
    // them away, or did not).
    void reopen_events();
    const std::string& path() const { return dir_; }
    std::string file(std::string_view name) const;
    // From now on, the room held back is free for what is written.
    void release_reserve() { reserve_.release(); }
    // Observation did not start after all (the command could not be executed): removes the
    // files open_events started, and the directory if this run created it, so nothing is left.
    void discard_events();

    struct NotWritten {
        std::string name;  // report.json
        std::string why;
    };
    // report.json and allowlist.yaml, each written to a temporary name and renamed, so a
    // reader never sees half a file, and each tried whatever became of the other. Returns
    // those that could not be written: none when both were.
    std::vector<NotWritten> write_results(const Aggregator& agg, std::optional<ScopeFilter> scope,
                                          std::int64_t now_ns) const;
    // Another file of the directory, written to a temporary name and renamed; why not, if not.
    std::optional<std::string> write_atomically(std::string_view name,
                                                const std::function<void(std::ostream&)>& write) const;
    // "DIR/report.json (why), DIR/allowlist.yaml (why)"
    std::string describe(const std::vector<NotWritten>& files) const;

private:
    std::string dir_;
    bool created_ = false;  // the directory did not exist before this run
    RotatingFile events_;
    RotatingFile requests_;
    SpaceReserve reserve_;
};

std::int64_t wall_clock_ns();

}  // namespace egresswatch
