#pragma once
// Turns connection records into alerts for destinations a baseline allowlist does not allow.
//
// A pipeline stage after the flow inspector (pipeline/pipeline.h), so it sees a connect once its
// name is known (the inspector holds a TCP connect up to 1 s for its Host or SNI): matching by
// name is what keeps CDN addresses from raising alerts. Every record passes on; an alert
// follows the connection that raised it. Each destination (host or address, port, protocol) alerts
// once per session, however many processes or connections reach it.
//
// Destinations outside the baseline's scope are never alerted: an allowlist recorded with
// the default scope (nonlocal) has no loopback entries, so loopback traffic is not "new".
// Attempts --enforce refused never alert: they reached nothing and are reported as blocked.

#include <cstddef>
#include <set>
#include <string>
#include <tuple>

#include "alerts/alert_state.h"
#include "allowlist/allowlist.h"
#include "allowlist/allowlist_matcher.h"
#include "pipeline/record_stage.h"
#include "pipeline/records.h"

namespace egresswatch {

class BaselineAlerter final : public RecordStage {
public:
    BaselineAlerter(Allowlist baseline, std::string baseline_path);

    std::string_view stage_name() const override { return "alert"; }
    void on_connection(const ConnectionRecord& r) override;

    std::size_t alerts() const { return seen_.size(); }
    const std::string& baseline_path() const { return path_; }

    // SIGHUP: the baseline read again; what was alerted stays alerted.
    void set_baseline(Allowlist baseline);
    // What was alerted, to be kept across restarts (alert_state.h), and taken back at start.
    AlertState state() const;
    void remember(const AlertState& state);

private:
    Allowlist baseline_;
    AllowlistMatcher matcher_;
    std::string path_;
    ScopeFilter scope_;
    std::set<AlertedDestination> seen_;
};

}  // namespace egresswatch
