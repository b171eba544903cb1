#pragma once
// report.json, allowlist.yaml and the end-of-run summary table, all made from one Aggregator
// and written to a stream as they are produced: no document is built in memory, so that
// writing them adds little to what observing holds (at 100k destinations about 4 MiB; building
// them whole made `report` peak at 395 MB).

#include <cstdint>
#include <ostream>

#include "report/aggregator.h"

namespace egresswatch {

struct ReportOptions {
    ScopeFilter scope = ScopeFilter::all;
    std::int64_t generated_ns = 0;  // injected so golden files stay stable
};

void write_report(std::ostream& out, const Aggregator& agg, const ReportOptions& options);
void write_allowlist(std::ostream& out, const Aggregator& agg, const ReportOptions& options);
void write_summary(std::ostream& out, const Aggregator& agg, ScopeFilter scope);

// The allowlist's default: everything except loopback.
constexpr ScopeFilter kDefaultAllowlistScope = ScopeFilter::nonlocal;

}  // namespace egresswatch
