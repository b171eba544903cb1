#pragma once
// report.json, allowlist.yaml and the end-of-run summary table, all made from one Aggregator.

#include <cstdint>
#include <string>

#include "core/aggregator.h"
#include "output/jsonl.h"

namespace egresswatch {

struct ReportOptions {
    ScopeFilter scope = ScopeFilter::all;
    std::int64_t generated_ns = 0;  // injected so golden files stay stable
};

Json build_report(const Aggregator& agg, const ReportOptions& options);
std::string build_allowlist_yaml(const Aggregator& agg, const ReportOptions& options);
std::string render_summary(const Aggregator& agg, ScopeFilter scope);

// The allowlist's default: everything except loopback.
constexpr ScopeFilter kDefaultAllowlistScope = ScopeFilter::nonlocal;

}  // namespace egresswatch
