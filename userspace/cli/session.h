#pragma once
// One observation session, from loading the programs to writing the report: the pieces
// `run` and `watch` share.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kernel/event_source.h"
#include "kernel/tracer.h"
#include "kernel/tls_attacher.h"
#include "cli/options.h"
#include "cli/output_dir.h"
#include "report/aggregator.h"
#include "allowlist/allowlist.h"
#include "alerts/baseline_alerter.h"
#include "enforce/enforce_plan.h"
#include "pipeline/enricher.h"
#include "pipeline/flow_inspector.h"
#include "pipeline/process_table.h"
#include "pipeline/repeat_ledger.h"
#include "report/jsonl.h"
#include "report/request_log.h"
#include "system/cgroup.h"

namespace egresswatch {

struct SessionConfig {
    std::string mode;  // run | watch
    std::vector<std::string> command;
    CaptureOptions capture;
    std::string cgroup_mount;
    std::string cgroup_relative;  // where the socket programs are attached
    int attach_cgroup_fd = -1;
    bool scope_process_events = false;  // only tasks under the attach cgroup
    bool retain_exited_processes = false;
    // --baseline: destinations it does not allow become alerts.
    std::optional<Allowlist> baseline;
    std::string baseline_path;
    // --enforce: the tables the kernel refuses connections by.
    std::optional<EnforcePlan> enforce;
    std::string enforce_path;
    bool enforce_fail_open = false;
};

class LiveSession {
public:
    LiveSession(SessionConfig config, OutputDir& out);
    ~LiveSession();

    // Loads and attaches everything. Throws SetupError.
    void attach();
    ProcessTable& processes() { return processes_; }
    // Receives every record after the writers, alerts included. Add before begin().
    void add_sink(RecordSink& sink) { sinks_.add(sink); }
    // Alerts raised so far (0 without a baseline).
    std::size_t alerts() const { return alerter_ ? alerter_->alerts() : 0; }
    void begin();

    // Handles events until `wake_fd` (if >= 0) is readable, the deadline passes, or the
    // signal handler returns true for a signal (SIGINT, SIGTERM, SIGHUP).
    struct SignalEvent {
        int signo;
        bool from_process;  // sent by kill(2) and the like; else by the kernel (a terminal's Ctrl-C)
    };
    using SignalHandler = std::function<bool(const SignalEvent&)>;
    void run_until(int wake_fd, std::optional<std::chrono::steady_clock::time_point> deadline,
                   const SignalHandler& on_signal);

    // Drains what is left, writes report.json and allowlist.yaml, prints the summary.
    void finish(std::optional<int> exit_code);

private:
    void attach_tls();
    void on_raw_event(const void* data, std::size_t size);
    void periodic();
    // `final`: the session ends, write every repeat still unwritten.
    void flush_counters(bool final);
    std::map<std::string, std::uint64_t> current_loss() const;
    std::string written_line(const std::vector<OutputDir::NotWritten>& not_written) const;

    SessionConfig config_;
    OutputDir& out_;
    ProcessTable processes_;
    Aggregator aggregator_;
    JsonlWriter file_writer_;
    RequestLogWriter request_log_;
    std::unique_ptr<JsonlWriter> stdout_writer_;
    SinkFanout sinks_;
    // Subscribed last, so an alert line follows the connect line that raised it.
    std::unique_ptr<BaselineAlerter> alerter_;
    // Everything from the kernel passes through here on its way to sinks_.
    std::unique_ptr<FlowInspector> inspector_;
    CgroupNames cgroup_names_;
    std::unique_ptr<Enricher> enricher_;
    std::unique_ptr<Tracer> tracer_;
    // Owns uprobe links into the tracer's programs: declared after it, destroyed first.
    std::unique_ptr<TlsAttacher> tls_;
    std::unique_ptr<EventSource> source_;
    int signal_fd_ = -1;
    std::map<std::string, std::uint64_t> last_loss_;
    // What the kernel counted as repeats, and when each key's next record is due.
    RepeatLedger repeats_;
    std::chrono::steady_clock::time_point next_tick_;
    int ticks_ = 0;
};

// What run and watch load for these options (doctor loads the same for the defaults).
LoaderOptions loader_options(const CaptureOptions& capture);

// Blocks the signals a session reads through its signalfd, and ignores SIGPIPE. Call before
// forking anything.
void block_session_signals();

}  // namespace egresswatch
