// egresswatch report EVENTS: rebuild report.json and allowlist.yaml offline, no root needed.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "cli/output_dir.h"
#include "core/aggregator.h"
#include "core/errors.h"
#include "output/jsonl.h"
#include "output/report.h"

namespace egresswatch {
namespace fs = std::filesystem;

int command_report(const ReportCommandOptions& options) {
    std::ifstream in(options.events_path);
    if (!in) throw SetupError("cannot read " + options.events_path + ": no such file or not readable");
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
    out.write_results(agg, options.scope, wall_clock_ns());
    if (!options.quiet) write_summary(std::cerr, agg, options.scope.value_or(ScopeFilter::all));
    if (!options.quiet)
        std::cerr << "Wrote " << out_dir
                  << "/{report.json,allowlist.yaml} from " << result.lines << " lines"
                  << (result.skipped ? " (" + std::to_string(result.skipped) + " of unknown type skipped)" : "")
                  << "\n";
    return 0;
}

}  // namespace egresswatch
