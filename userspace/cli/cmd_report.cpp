// egresswatch report EVENTS: rebuild report.json and allowlist.yaml offline, no root needed.
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "base/errors.h"
#include "cli/commands.h"
#include "cli/output_dir.h"
#include "report/aggregator.h"
#include "report/jsonl.h"
#include "report/report.h"

namespace egresswatch {
namespace fs = std::filesystem;
namespace {

// A directory reads as no lines at all, and a device or a pipe may never end.
void require_regular_file(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw SetupError("cannot read " + path + ": " + std::strerror(errno));
    if (S_ISDIR(st.st_mode))
        throw SetupError(path + " is a directory: give the events file in it (" +
                         (fs::path(path) / "events.jsonl").string() + ")");
    if (!S_ISREG(st.st_mode))
        throw SetupError(path + " is not a regular file: give an events.jsonl that run or watch wrote (save a "
                                "stream to a file first)");
}

}  // namespace

int command_report(const ReportCommandOptions& options) {
    require_regular_file(options.events_path);
    std::ifstream in(options.events_path, std::ios::binary);
    if (!in) throw SetupError("cannot read " + options.events_path + ": " + std::strerror(errno));
    std::string out_dir = options.out_dir;
    if (out_dir.empty()) {
        out_dir = fs::path(options.events_path).parent_path().string();
        if (out_dir.empty()) out_dir = ".";
    }
    OutputDir out(out_dir);

    Aggregator agg;
    ReplayResult result = replay_jsonl(in, agg);
    if (result.first_bad_line)
        throw SetupError(options.events_path + ":" + std::to_string(result.first_bad_line) + ": " + result.error);
    if (result.cut_last_line)
        spdlog::warn("{}:{}: the last line is cut short (its writer was stopped mid-line) and is left out; the "
                     "lines before it are used",
                     options.events_path, result.cut_last_line);
    if (!agg.stop())
        spdlog::warn("{} has no stop record: the session ended without egresswatch finishing it (killed, or its "
                     "disk full), so the report counts only up to its last record and loss after that is unknown",
                     options.events_path);
    std::vector<OutputDir::NotWritten> not_written = out.write_results(agg, options.scope, wall_clock_ns());
    if (!options.quiet) {
        write_summary(std::cerr, agg, options.scope.value_or(ScopeFilter::all));
        if (not_written.empty())
            std::cerr << "Wrote " << out_dir << "/{report.json,allowlist.yaml} from " << result.lines << " lines"
                      << (result.skipped ? " (" + std::to_string(result.skipped) + " of unknown type skipped)" : "")
                      << "\n";
    }
    if (!not_written.empty())
        throw SetupError("not written: " + out.describe(not_written) +
                         ". Free space on that filesystem or give another --out, and run this again");
    return 0;
}

}  // namespace egresswatch
