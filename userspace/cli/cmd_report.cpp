// egresswatch report: rebuild report.json and allowlist.yaml offline, no root needed, from an
// events.jsonl, or from the records a fleet's agents sent to ClickHouse (report --from).
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "base/errors.h"
#include "cli/commands.h"
#include "cli/output_dir.h"
#include "clickhouse/clickhouse_client.h"
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

// A file removed when it goes out of scope.
struct ScratchFile {
    std::string path;
    ~ScratchFile() { ::unlink(path.c_str()); }
};

// The fleet's records as events.jsonl lines, into `path` (streamed: a week of a fleet does not
// fit in memory).
void download_fleet_records(const ReportCommandOptions& options, const std::string& path) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw SetupError("cannot write " + path + ": " + std::strerror(errno));
    ClickHouseClient client(*options.from);
    std::string write_error;
    HttpOutcome outcome = client.query(
        fleet_select(*options.from, options.fleet),
        [&](std::string_view piece) {
            out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
            if (out) return true;
            write_error = std::strerror(errno);
            return false;
        },
        std::chrono::hours(1));
    if (!write_error.empty())
        throw SetupError("writing " + path + ": " + write_error + ". Free space on the --out filesystem");
    if (!outcome.ok()) {
        // No table yet: no agent has sent anything there.
        if (outcome.error.find("Code: 60") != std::string::npos)
            throw SetupError("ClickHouse " + options.from->shown() + " has no table " + kClickHouseTable +
                             " yet: run or watch with --sink clickhouse=URL sends records there first");
        throw SetupError("ClickHouse " + options.from->shown() + ": " + outcome.error);
    }
    out.close();
    if (!out)
        throw SetupError("writing " + path + ": " + std::strerror(errno) + ". Free space on the --out filesystem");
}

}  // namespace

int command_report(const ReportCommandOptions& options) {
    std::string events_path = options.events_path;
    std::string out_dir = options.out_dir;
    if (options.from) {
        if (out_dir.empty()) out_dir = "egress";
    } else {
        require_regular_file(events_path);
        if (out_dir.empty()) out_dir = fs::path(events_path).parent_path().string();
        if (out_dir.empty()) out_dir = ".";
    }
    OutputDir out(out_dir);
    ScratchFile fleet;
    if (options.from) {
        fleet.path = out.file(".egresswatch-fleet-" + std::to_string(::getpid()) + ".jsonl");
        download_fleet_records(options, fleet.path);
        events_path = fleet.path;
    }
    // Messages name what the lines came from.
    std::string source = options.from ? "ClickHouse " + options.from->shown() + ", row" : events_path;

    std::ifstream in(events_path, std::ios::binary);
    if (!in) throw SetupError("cannot read " + events_path + ": " + std::strerror(errno));
    Aggregator agg;
    ReplayResult result = replay_jsonl(in, agg);
    if (result.first_bad_line)
        throw SetupError(source + ":" + std::to_string(result.first_bad_line) + ": " + result.error);
    if (result.cut_last_line)
        spdlog::warn("{}:{}: the last line is cut short (its writer was stopped mid-line) and is left out; the "
                     "lines before it are used",
                     source, result.cut_last_line);
    if (options.from && agg.sessions() == 0)
        throw SetupError(
            "ClickHouse " + options.from->shown() + " has no records" +
            (options.fleet.since || !options.fleet.where.empty() ? " that --since and --where select" : "") +
            ": nothing to build a report from");
    if (options.from && agg.sessions_stopped() < agg.sessions())
        spdlog::info("{} of the {} sessions read have no stop record: agents still running (or killed); their "
                     "records are counted up to what they sent",
                     agg.sessions() - agg.sessions_stopped(), agg.sessions());
    else if (!agg.stop())
        spdlog::warn("{} has no stop record: the session ended without egresswatch finishing it (killed, or its "
                     "disk full), so the report counts only up to its last record and loss after that is unknown",
                     events_path);
    std::vector<OutputDir::NotWritten> not_written = out.write_results(agg, options.scope, wall_clock_ns());
    if (!options.quiet) {
        write_summary(std::cerr, agg, options.scope.value_or(ScopeFilter::all));
        std::string from = options.from
                               ? std::to_string(result.lines) + " records of " + std::to_string(agg.sessions()) +
                                     " sessions on " + std::to_string(agg.hosts().size()) + " hosts in ClickHouse " +
                                     options.from->shown()
                               : std::to_string(result.lines) + " lines";
        if (not_written.empty())
            std::cerr << "Wrote " << out_dir << "/{report.json,allowlist.yaml} from " << from
                      << (result.skipped ? " (" + std::to_string(result.skipped) + " of unknown type skipped)" : "")
                      << "\n";
    }
    if (!not_written.empty())
        throw SetupError("not written: " + out.describe(not_written) +
                         ". Free space on that filesystem or give another --out, and run this again");
    return 0;
}

}  // namespace egresswatch
