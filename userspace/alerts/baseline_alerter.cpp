#include "alerts/baseline_alerter.h"

#include "allowlist/host_pattern.h"
#include "allowlist/image_reference.h"

namespace egresswatch {

namespace {

// A baseline that does not say which scope it was recorded with is taken to be what `run`
// records by default.
ScopeFilter scope_of(const Allowlist& baseline) {
    return baseline.scope ? parse_scope_filter(*baseline.scope).value_or(ScopeFilter::nonlocal) : ScopeFilter::nonlocal;
}

}  // namespace

BaselineAlerter::BaselineAlerter(Allowlist baseline, std::string baseline_path)
    : baseline_(std::move(baseline)),
      matcher_(baseline_),
      path_(std::move(baseline_path)),
      scope_(scope_of(baseline_)) {}

void BaselineAlerter::set_baseline(Allowlist baseline) {
    // The matcher refers to baseline_, which stays where it is.
    baseline_ = std::move(baseline);
    scope_ = scope_of(baseline_);
}

AlertState BaselineAlerter::state() const { return AlertState{path_, {seen_.begin(), seen_.end()}}; }

void BaselineAlerter::remember(const AlertState& state) { seen_.insert(state.alerted.begin(), state.alerted.end()); }

void BaselineAlerter::on_connection(const ConnectionRecord& r) {
    next().on_connection(r);
    // A refused attempt reached nothing, and is reported as blocked already.
    if (r.verdict == Verdict::blocked) return;
    if (!scope_matches(classify(r.address), scope_)) return;
    DestinationQuery query;
    query.address = r.address;
    query.port = r.port;
    query.protocol = r.protocol;
    if (r.host && !r.host->empty()) query.host = r.host;
    if (!r.process.exe.empty()) query.exe = r.process.exe;
    const auto& container = r.process.container;
    query.image = std::string(workload_image(container.has_value(), container ? container->image : ""));
    if (matcher_.allows(query)) return;

    std::string where = query.host ? canonical_host(*query.host) : r.address.to_string();
    if (!seen_.emplace(where, r.port, r.protocol).second) return;
    AlertRecord alert;
    alert.ts_ns = r.ts_ns;
    alert.connection = r;
    alert.baseline = path_;
    next().on_alert(alert);
}

}  // namespace egresswatch
