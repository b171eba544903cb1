#pragma once
// One observation session, from loading the programs to writing the report: the pieces
// `run` and `watch` share. It attaches the programs, runs the event loop and hands ring buffer
// records, ticks and the end to the pipeline (pipeline/pipeline.h), whose stages and sinks it
// lists in one place, in order.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "alerts/baseline_alerter.h"
#include "allowlist/allowlist.h"
#include "cli/options.h"
#include "cli/output_dir.h"
#include "clickhouse/clickhouse_sink.h"
#include "containers/container_book.h"
#include "enforce/enforce_plan.h"
#include "kernel/event_source.h"
#include "kernel/tls_attacher.h"
#include "kernel/tracer.h"
#include "metrics/metrics_book.h"
#include "metrics/metrics_server.h"
#include "pipeline/pipeline.h"
#include "pipeline/process_table.h"
#include "report/aggregator.h"
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
    FollowContainers follow_containers = FollowContainers::off;
    // Called with the path (below cgroup_mount) of each cgroup that joins the run.
    std::function<void(const std::string&)> on_followed;
    // watch: events.jsonl and requests.log rotated; report.json, allowlist.yaml and the alert
    // state written every write_interval (none: only at the end), the alert state read back at
    // start.
    RotationPolicy rotation;
    std::optional<std::chrono::milliseconds> write_interval;
    // Sinks after the session's own writers and aggregator, in this order: alert delivery,
    // the blocked notice. They must outlive the session.
    std::vector<RecordSink*> notices;
};

class LiveSession {
public:
    LiveSession(SessionConfig config, OutputDir& out);
    ~LiveSession();

    // Loads and attaches everything. Throws SetupError.
    void attach();
    ProcessTable& processes() { return processes_; }
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

    // The cgroups that joined the run (containers it follows) and still hold processes.
    std::vector<std::string> followed_cgroups_in_use() const;
    // Container cgroups made during a run that follows only what it starts, by a runtime
    // outside it (dockerd's containerd, systemd): not followed, and the run must say so.
    const std::vector<std::string>& containers_not_followed() const { return not_followed_; }

    // Drains what is left, writes report.json and allowlist.yaml, prints the summary.
    void finish(std::optional<int> exit_code);

    // SIGHUP: events.jsonl and requests.log opened again by name (after logrotate), and the
    // baseline read again; a baseline that no longer reads keeps the one in use, with a warning.
    void reload();

private:
    void attach_tls();
    // What the ring buffer holds, a batch at a time, at most max_batches of them.
    void drain_all(int max_batches);
    void give_back_free_memory();
    void start_metrics_server(const MetricsListen& listen);
    std::unique_ptr<Pipeline> make_pipeline();
    // A cgroup just made: note it if the kernel made it join the run, or join it here if it
    // is a container's and --follow-containers any asks for those made outside the run.
    void follow_if_wanted(const CgroupEvent& made);
    std::string written_line(const std::vector<OutputDir::NotWritten>& not_written) const;
    // --sink: what was sent, and what waits in the spool for the next start.
    std::string clickhouse_line() const;
    // report.json, allowlist.yaml and the alert state, as the session has them now.
    std::vector<OutputDir::NotWritten> write_results();
    void restore_alert_state();

    SessionConfig config_;
    OutputDir& out_;
    ProcessTable processes_;
    Aggregator aggregator_;
    std::unique_ptr<MetricsBook> metrics_;  // --metrics-listen: a sink of the pipeline
    std::unique_ptr<JsonLineSink> file_writer_;
    RequestLogWriter request_log_;
    std::unique_ptr<JsonLineSink> stdout_writer_;
    std::unique_ptr<BaselineAlerter> alerter_;
    std::unique_ptr<ClickHouseSink> clickhouse_;  // --sink clickhouse=URL
    CgroupNames cgroup_names_;
    ContainerBook containers_;
    std::vector<std::string> followed_cgroups_;  // paths, below the cgroup2 mount
    std::vector<std::string> not_followed_;
    std::unique_ptr<Pipeline> pipeline_;
    std::unique_ptr<Tracer> tracer_;
    // Owns uprobe links into the tracer's programs: declared after it, destroyed first.
    std::unique_ptr<TlsAttacher> tls_;
    std::unique_ptr<EventSource> source_;
    int signal_fd_ = -1;
    std::chrono::steady_clock::time_point next_tick_;
    std::chrono::steady_clock::time_point next_write_;
    int ticks_since_trim_ = 0;
    bool write_failed_ = false;  // warned once; warned again only after a write succeeds
    // Last, so it is stopped first: its scrapes read the tracer and the book.
    std::unique_ptr<MetricsServer> metrics_server_;
};

// What run and watch load for these options (doctor loads the same for the defaults).
LoaderOptions loader_options(const CaptureOptions& capture);

// Blocks the signals a session reads through its signalfd, and ignores SIGPIPE. Call before
// forking anything.
void block_session_signals();

}  // namespace egresswatch
