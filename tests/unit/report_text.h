#pragma once
// The streamed outputs (report.json, allowlist.yaml, summary) read back whole, for tests
// that look into them.
#include <sstream>
#include <string>

#include "report/jsonl.h"
#include "report/report.h"

namespace egresswatch::test {

inline std::string report_text(const Aggregator& agg, const ReportOptions& options) {
    std::ostringstream out;
    write_report(out, agg, options);
    return out.str();
}

inline Json report_of(const Aggregator& agg, const ReportOptions& options) {
    return Json::parse(report_text(agg, options));
}

inline std::string allowlist_text(const Aggregator& agg, const ReportOptions& options) {
    std::ostringstream out;
    write_allowlist(out, agg, options);
    return out.str();
}

inline std::string summary_text(const Aggregator& agg, ScopeFilter scope) {
    std::ostringstream out;
    write_summary(out, agg, scope);
    return out.str();
}

}  // namespace egresswatch::test
