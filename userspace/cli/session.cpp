#include "cli/session.h"

#include <malloc.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "alerts/alert_state.h"
#include "base/errors.h"
#include "base/host_name.h"
#include "base/unique_fd.h"
#include "cli/allowlist_input.h"
#include "containers/cgroup_path.h"
#include "egresswatch/abi.h"
#include "kernel/features.h"
#include "metrics/agent_usage.h"
#include "pipeline/decoder.h"
#include "procfs/proc_reader.h"
#include "redaction/text_redaction.h"
#include "report/ecs/ecs.h"
#include "report/report.h"
#include "system/cgroup.h"
#include "system/launcher.h"
#include "system/tls_runtime.h"

namespace egresswatch {

constexpr std::string_view kAlertStateFile = "alert-state.json";
namespace {

constexpr auto kTick = std::chrono::milliseconds(1000);
// The BPF programs wake this process only for a large backlog (each wakeup is an
// interrupt in the traced task's path): records are otherwise picked up this often. It
// bounds how late a TLS library loaded after start is probed (see uprobe_loader_libs_changed).
constexpr auto kDrainInterval = std::chrono::milliseconds(10);
// Records handled between two batch ends: what each sink holds before writing it out (at most a
// few MiB of lines), however fast the kernel keeps producing.
constexpr int kMaxBatchRecords = 4096;
constexpr int kTicksPerTrim = 10;

// A test hook environment variable set to 1.
bool test_hook_set(const char* name) {
    const char* value = std::getenv(name);
    return value && std::string(value) == "1";
}

sigset_t session_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    return set;
}

std::string proc_cwd(std::uint32_t pid) {
    std::error_code ec;
    auto p = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/cwd", ec);
    return ec ? std::string() : p.string();
}

// events.jsonl's writer, or the --json stream's, in the format --json-format asked for.
template <typename Output>
std::unique_ptr<JsonLineSink> json_line_writer(JsonFormat format, Output& out,
                                               std::function<void(const std::string&)> on_failure) {
    if (format == JsonFormat::ecs) return std::make_unique<EcsWriter>(out, local_host_name(), std::move(on_failure));
    return std::make_unique<JsonlWriter>(out, std::move(on_failure));
}

}  // namespace

void block_session_signals() {
    sigset_t set = session_signals();
    sigprocmask(SIG_BLOCK, &set, nullptr);
    // A reader of --json's stream that goes away (`| head`) must end the stream, not the run:
    // its write fails with EPIPE instead (JsonlWriter), and the children get SIGPIPE back.
    ::signal(SIGPIPE, SIG_IGN);
}

LiveSession::LiveSession(SessionConfig config, OutputDir& out)
    : config_(std::move(config)),
      out_(out),
      processes_([&] {
          ProcessTable::Limits limits;
          // A run's report names every process it saw, however long ago it exited.
          if (config_.retain_exited_processes) limits.exited_retention_ns = UINT64_MAX / 2;
          return limits;
      }()),
      file_writer_(json_line_writer(config_.capture.json_format, out.events(),
                                    [path = out.file("events.jsonl")](const std::string& why) {
                                        spdlog::warn("writing {} failed: {}; events from now on are not recorded "
                                                     "there, and are counted as lost (output_write_failed). Free "
                                                     "space on the --out filesystem",
                                                     path, why);
                                    })),
      request_log_(out.requests(),
                   [path = out.file("requests.log")](const std::string& why) {
                       spdlog::warn("writing {} failed: {}; requests from now on are not listed there. Free space "
                                    "on the --out filesystem",
                                    path, why);
                   }),
      cgroup_names_(config_.cgroup_mount) {
    if (config_.capture.json_stream)
        stdout_writer_ =
            json_line_writer(config_.capture.json_format, std::cout, [dir = out.path()](const std::string&) {
                spdlog::warn("--json: standard output was closed; events are no longer streamed there, and are "
                             "still written to {}",
                             dir);
            });
    if (config_.baseline) alerter_ = std::make_unique<BaselineAlerter>(*config_.baseline, config_.baseline_path);
    if (config_.capture.clickhouse) {
        ClickHouseSinkOptions sink;
        sink.target = *config_.capture.clickhouse;
        sink.tag = RowTag{local_host_name(), new_session_id()};
        sink.spool_dir = out.file("clickhouse-spool");
        sink.spool_bytes = config_.capture.clickhouse_spool_bytes;
        clickhouse_ = std::make_unique<ClickHouseSink>(std::move(sink));
    }
    if (config_.capture.metrics_listen)
        metrics_ = std::make_unique<MetricsBook>(MetricsBook::kDefaultDestinationLabels, wall_clock_ns());
    processes_.set_fallback([redact = config_.capture.redact](std::uint32_t pid) {
        std::optional<ProcessInfo> info = read_proc_process("/proc", pid);
        if (info && redact) redact_argv(info->argv);
        return info;
    });
    pipeline_ = make_pipeline();
    sigset_t set = session_signals();
    signal_fd_ = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (signal_fd_ < 0) throw SetupError(std::string("signalfd: ") + std::strerror(errno));
}

// The whole flow in one place: decode, enrich, inspect, the alert stage with --baseline, then
// the sinks in the order they see each record (an alert line follows the connect line that
// raised it, in every sink).
std::unique_ptr<Pipeline> LiveSession::make_pipeline() {
    PipelineOptions options;
    options.inspect.redact = config_.capture.redact;
    options.inspect.tls_not_visible_reason = [reasons = std::make_shared<TlsReasons>()](std::uint32_t pid,
                                                                                        const std::string& exe) {
        return reasons->reason(pid, exe);
    };
    if (!config_.capture.payload) options.inspect.hold_ns = 0;  // nothing would ever name a connect
    options.cgroup_path = [this](std::uint64_t id) { return cgroup_names_.name(id); };
    options.container_of = [this](std::uint64_t id, const std::string& path) -> std::optional<ContainerInfo> {
        const ContainerInfo* container = containers_.lookup(id, path);
        return container ? std::optional<ContainerInfo>(*container) : std::nullopt;
    };
    options.hooks.resolve_exe = [](std::uint32_t pid, const std::string& filename) {
        return filename.empty() || filename.front() == '/' ? filename : absolute_exe_path(filename, proc_cwd(pid));
    };
    if (config_.capture.redact)
        options.hooks.redact_argv = [](std::vector<std::string>& argv, bool cut) { redact_argv(argv, cut); };
    options.hooks.libraries_changed = [this](std::uint32_t pid) {
        if (tls_) tls_->scan_process(pid);
    };
    // A program examined before costs one stat, on the attacher's thread. A held process is
    // continued there once its file is examined, or here at once without an attacher.
    options.hooks.program_started = [this](const ExecEvent& e) {
        if (tls_) {
            tls_->scan_executable(
                e.task.pid, e.held ? std::optional<ProgramFile>({e.exe_ino, e.exe_dev, e.held_pid}) : std::nullopt);
        } else if (e.held) {
            tracer_->mark_program_examined(e.exe_ino, e.exe_dev);
            ::kill(static_cast<pid_t>(e.held_pid), SIGCONT);
        }
    };
    options.hooks.cgroup_made = [this](const CgroupEvent& made) {
        cgroup_names_.learn(made.cgroup_id, made.path);
        follow_if_wanted(made);
    };
    // Recorded, but not in events.jsonl: the summary and report.json count them.
    options.sink_loss = [this](LossReasons& reasons) {
        if (file_writer_->unwritten()) reasons["output_write_failed"] = file_writer_->unwritten();
        if (clickhouse_)
            for (const auto& [reason, rows] : clickhouse_->lost()) reasons[reason] = rows;
    };
    std::vector<RecordStage*> stages;
    if (alerter_) stages.push_back(alerter_.get());
    std::vector<RecordSink*> sinks{file_writer_.get()};
    if (stdout_writer_) sinks.push_back(stdout_writer_.get());
    sinks.push_back(&request_log_);
    sinks.push_back(&aggregator_);
    if (clickhouse_) sinks.push_back(clickhouse_.get());
    if (metrics_) sinks.push_back(metrics_.get());
    sinks.insert(sinks.end(), config_.notices.begin(), config_.notices.end());
    return std::make_unique<Pipeline>(processes_, std::move(options), std::move(stages), std::move(sinks));
}

void LiveSession::follow_if_wanted(const CgroupEvent& made) {
    bool followed = made.followed;
    if (!followed && config_.mode == "run" && config_.follow_containers != FollowContainers::off &&
        container_from_cgroup(made.path)) {
        if (config_.follow_containers == FollowContainers::started) {
            // Bounded: a busy host makes containers all day, and one path says enough.
            constexpr std::size_t kMaxNotFollowed = 1000;
            if (not_followed_.size() < kMaxNotFollowed) not_followed_.push_back(made.path);
            return;
        }
        followed = tracer_ && tracer_->follow_cgroup(made.cgroup_id);
        if (!followed) spdlog::warn("container cgroup {} made during the run is not followed", made.path);
    }
    if (!followed) return;
    // Kept for the end's "still running" check; the removed ones go when the list is long, as
    // the kernel forgets them (cgroup_rmdir_unfollow).
    if (followed_cgroups_.size() >= EW_FOLLOWED_CGROUPS_MAX)
        std::erase_if(followed_cgroups_,
                      [&](const std::string& path) { return !std::filesystem::exists(config_.cgroup_mount + path); });
    followed_cgroups_.push_back(made.path);
    if (config_.on_followed) config_.on_followed(made.path);
    spdlog::debug("following cgroup {} (made by pid {})", made.path, made.task.pid);
}

std::vector<std::string> LiveSession::followed_cgroups_in_use() const {
    std::vector<std::string> in_use;
    for (const std::string& path : followed_cgroups_) {
        std::ifstream procs(config_.cgroup_mount + path + "/cgroup.procs");
        std::string pid;
        if (procs && std::getline(procs, pid) && !pid.empty()) in_use.push_back(path);
    }
    return in_use;
}

LiveSession::~LiveSession() {
    // First: a scrape in flight reads the tracer.
    metrics_server_.reset();
    source_.reset();
    tls_.reset();
    tracer_.reset();
    if (signal_fd_ >= 0) ::close(signal_fd_);
}

LoaderOptions loader_options(const CaptureOptions& capture) {
    LoaderOptions loader;
    loader.ringbuf_bytes = capture.ringbuf_mib << 20;
    loader.dedup_entries = capture.dedup_entries;
    loader.dedup_connects = !capture.every_connect;
    loader.capture_payload = capture.payload;
    loader.payload_packet_bytes = capture.payload_bytes;
    loader.payload_flow_bytes = capture.payload_flow_bytes;
    loader.http_head_burst = capture.http_head_burst;
    loader.http_heads_per_sec = capture.http_heads_per_sec;
    loader.pending_owner_entries = capture.pending_sockets;
    loader.capture_tls = capture.payload && capture.tls;
    // Test hook: the classic links, as on kernels before 6.6.
    loader.uprobe_multi =
        loader.capture_tls && !test_hook_set("EGRESSWATCH_TEST_CLASSIC_UPROBES") && probe_uprobe_multi();
    return loader;
}

void LiveSession::attach() {
    LoaderOptions loader = loader_options(config_.capture);
    loader.scope_cgroup_fd = config_.scope_process_events ? config_.attach_cgroup_fd : -1;
    // run: its command's scripts start Go programs, which are probed only once examined.
    // Not with the test hook that keeps the reader from reading: held programs would wait on it.
    loader.hold_new_programs = loader.capture_tls && config_.capture.hold && config_.mode == "run" &&
                               !test_hook_set("EGRESSWATCH_TEST_HOLD_EVENTS");
    if (config_.enforce) {
        loader.enforce = &*config_.enforce;
        loader.enforce_fail_open = config_.enforce_fail_open;
    }
    // Scoped: the connect and sendmsg programs go to the root and judge by the acting task,
    // so that a socket passed in from outside the scope is still seen.
    UniqueFd root;
    if (loader.scope_cgroup_fd >= 0) root = UniqueFd(open_cgroup_dir(config_.cgroup_mount));
    loader.sock_addr_cgroup_fd = root.get();
    if (loader.scope_cgroup_fd >= 0 && config_.follow_containers != FollowContainers::off) {
        loader.follow_cgroups = true;
        loader.packet_cgroup_fd = root.get();
    }
    tracer_ = load_and_attach(loader, config_.attach_cgroup_fd);
    // One line per feature this kernel refused: what is off, the kernel's reason, what still works.
    for (const Degradation& refused : tracer_->plan().degradations) spdlog::warn("{}", refused.line());
    config_.capture.payload = tracer_->capture_payload();
    config_.capture.tls = tracer_->capture_tls();
    if (config_.capture.tls) attach_tls();
    pipeline_->count_from(*tracer_);
    source_ = std::make_unique<EventSource>(tracer_->ringbuf_fd(),
                                            [this](const void* d, std::size_t n) { pipeline_->on_ring_record(d, n); });
    if (metrics_) start_metrics_server(*config_.capture.metrics_listen);
    spdlog::debug("attached to cgroup {}", config_.cgroup_relative);
}

// After the programs are attached, so a scrape never sees a half-made tracer; before the
// command starts, so a port that cannot be listened on stops the session before anything ran.
void LiveSession::start_metrics_server(const MetricsListen& listen) {
    metrics_server_ = std::make_unique<MetricsServer>(listen, [this] {
        RuntimeSample sample;
        if (auto fill = tracer_->ring_fill()) {
            sample.ringbuf_used_bytes = fill->used_bytes;
            sample.ringbuf_size_bytes = fill->size_bytes;
        }
        sample.bpf_stats_enabled = bpf_stats_enabled();
        if (sample.bpf_stats_enabled)
            for (const Tracer::ProgramRunStats& p : tracer_->program_run_stats())
                sample.programs.push_back({p.name, p.runs, p.run_time_ns});
        if (clickhouse_) {
            ClickHouseSink::Status status = clickhouse_->status();
            sample.clickhouse = RuntimeSample::Sink{status.rows_sent, status.rows_waiting, status.spool_bytes};
        }
        if (auto usage = read_agent_usage()) {
            sample.cpu_seconds = usage->cpu_seconds;
            sample.resident_bytes = usage->resident_bytes;
        }
        return metrics_->render(sample);
    });
    spdlog::info("metrics at http://{}/metrics", listen.text());
}

// Before the command starts: the system's TLS libraries, the command's own executable
// (node links OpenSSL in), and for watch every process already running. Libraries mapped
// later are found when the loader reports them (uprobe_loader_libs_changed).
void LiveSession::attach_tls() {
    try {
        tls_ = std::make_unique<TlsAttacher>(*tracer_);
        tls_->attach_system_libraries();
        if (!config_.command.empty())
            if (auto exe = find_executable(config_.command.front())) tls_->attach_file(*exe);
        if (config_.mode == "watch") tls_->scan_all_processes();
    } catch (const SetupError& e) {
        spdlog::warn("HTTPS request capture unavailable ({}); HTTPS connections keep their TLS SNI name", e.what());
        tls_.reset();
        config_.capture.tls = false;
    }
}

void LiveSession::begin() {
    out_.open_events(config_.rotation);
    if (alerter_ && config_.write_interval) restore_alert_state();
    SessionStart start;
    start.ts_ns = wall_clock_ns();
    start.mode = config_.mode;
    start.command = config_.command;
    if (config_.capture.redact) redact_argv(start.command);
    start.cgroup = config_.cgroup_relative;
    start.version = EGRESSWATCH_VERSION;
    start.hostname = local_host_name();
    if (config_.baseline) start.baseline = config_.baseline_path;
    if (config_.enforce) {
        start.enforce = config_.enforce_path;
        start.enforce_mode = config_.enforce_fail_open ? "fail-open" : "fail-closed";
    }
    start.kernel_features = tracer_->hooks_in_use();
    if (!config_.capture.tls) {
        start.kernel_features.erase("tls_plaintext");
        start.kernel_features.erase("tls_plaintext_go");
    }
    pipeline_->start(start);
    next_tick_ = std::chrono::steady_clock::now() + kTick;
    if (config_.write_interval) next_write_ = std::chrono::steady_clock::now() + *config_.write_interval;
}

void LiveSession::run_until(int wake_fd, std::optional<std::chrono::steady_clock::time_point> deadline,
                            const SignalHandler& on_signal) {
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) throw SetupError(std::string("epoll: ") + std::strerror(errno));
    auto add = [ep](int fd) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = fd;
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    };
    // Test hook: leave the ring buffer unread until the command exits, so that a test can
    // overflow it on purpose and check that what was lost is counted exactly.
    bool consume = !(test_hook_set("EGRESSWATCH_TEST_HOLD_EVENTS") && wake_fd >= 0);
    if (consume) add(source_->epoll_fd());
    add(signal_fd_);
    if (wake_fd >= 0) add(wake_fd);

    bool done = false;
    bool backlog = false;  // the last drain stopped at its limit: drain again without waiting
    while (!done) {
        auto now = std::chrono::steady_clock::now();
        auto until = next_tick_;
        if (deadline && *deadline < until) until = *deadline;
        if (consume && now + kDrainInterval < until) until = now + kDrainInterval;
        if (backlog) until = now;
        int timeout_ms = static_cast<int>(
            std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count()));
        epoll_event events[4];
        int n = epoll_wait(ep, events, 4, timeout_ms);
        if (n < 0 && errno != EINTR) break;
        if (consume) {
            backlog = source_->drain(kMaxBatchRecords) == kMaxBatchRecords;
            pipeline_->end_batch();
        }
        for (int i = 0; i < n; ++i) {
            int fd = events[i].data.fd;
            if (fd == wake_fd) done = true;
            if (fd == signal_fd_) {
                signalfd_siginfo info{};
                while (::read(signal_fd_, &info, sizeof(info)) == sizeof(info))
                    if (on_signal(SignalEvent{static_cast<int>(info.ssi_signo), info.ssi_code == SI_USER ||
                                                                                    info.ssi_code == SI_QUEUE ||
                                                                                    info.ssi_code == SI_TKILL}))
                        done = true;
            }
        }
        now = std::chrono::steady_clock::now();
        if (now >= next_tick_) {
            pipeline_->tick(wall_clock_ns());
            next_tick_ = now + kTick;
            if (++ticks_since_trim_ >= kTicksPerTrim) {
                give_back_free_memory();
                ticks_since_trim_ = 0;
            }
        }
        if (config_.write_interval && now >= next_write_) {
            std::vector<OutputDir::NotWritten> not_written = write_results();
            if (!not_written.empty() && !write_failed_)
                spdlog::warn("not written: {}; tried again every {} s. Free space on the --out filesystem",
                             out_.describe(not_written), config_.write_interval->count() / 1000);
            write_failed_ = !not_written.empty();
            next_write_ = now + *config_.write_interval;
        }
        if (deadline && now >= *deadline) done = true;
    }
    ::close(ep);
}

// The counters' reads every few seconds and the results written every --write-interval allocate
// and free tens of MB at once; glibc keeps what was freed, in the main heap and in each thread's
// arena, so RSS stayed at the highest it had ever been. malloc_trim(0) returns the free pages.
void LiveSession::give_back_free_memory() {
    auto start = std::chrono::steady_clock::now();
    ::malloc_trim(0);
    spdlog::debug(
        "malloc_trim took {} us",
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count());
}

void LiveSession::drain_all(int max_batches) {
    for (int i = 0; i < max_batches && source_->drain(kMaxBatchRecords) == kMaxBatchRecords; ++i)
        pipeline_->end_batch();
    pipeline_->end_batch();
}

void LiveSession::finish(std::optional<int> exit_code) {
    // While attached, a storm may keep the ring buffer full: what is there now (the default 4 MiB
    // ring holds some 65k records), no more.
    drain_all(64);
    pipeline_->read_counters(wall_clock_ns(), true);
    // After a run, when the command's sockets and threads are gone, both must be 0.
    if (spdlog::should_log(spdlog::level::debug))
        spdlog::debug("socket owners still pending: {}; threads in or just after a TLS call: {}",
                      tracer_->pending_owner_count(), tracer_->tls_threads_active());
    tls_.reset();
    tracer_->detach();
    drain_all(INT_MAX);  // anything committed while detaching: no more is coming
    // Written now, so that the last loss record counts what failed to be.
    pipeline_->flush(wall_clock_ns());
    // The room held back is for what follows: the last lost and stop lines, the report.
    out_.release_reserve();
    // After a failed write, the last lost line is the one that tells a reader of events.jsonl
    // what it lacks: it is tried again even when nothing changed.
    pipeline_->stop(SessionStop{wall_clock_ns(), exit_code}, file_writer_->failed());
    // Long enough for a reachable server to take the last batches; what is left is not lost,
    // it waits in the spool for the next start.
    if (clickhouse_) clickhouse_->finish(std::chrono::seconds(10));
    std::vector<OutputDir::NotWritten> not_written = write_results();
    if (!not_written.empty())
        spdlog::warn("not written: {}. Free space on the --out filesystem, then 'egresswatch report {}' writes "
                     "them from what events.jsonl holds",
                     out_.describe(not_written), out_.file("events.jsonl"));
    if (!config_.capture.quiet) {
        write_summary(std::cerr, aggregator_, config_.capture.scope.value_or(ScopeFilter::all));
        std::cerr << written_line(not_written) << "\n";
        if (clickhouse_) std::cerr << clickhouse_line() << "\n";
    }
}

std::string LiveSession::clickhouse_line() const {
    ClickHouseSink::Status status = clickhouse_->status();
    std::string line =
        "Sent " + std::to_string(status.rows_sent) + " rows to ClickHouse " + clickhouse_->target().shown();
    if (status.rows_waiting)
        line += "; " + std::to_string(status.rows_waiting) + " wait in " + out_.file("clickhouse-spool") +
                " and are sent when a session starts again with --sink";
    return line;
}

std::vector<OutputDir::NotWritten> LiveSession::write_results() {
    aggregator_.set_kernel_counts(pipeline_->event_counts());
    std::vector<OutputDir::NotWritten> not_written =
        out_.write_results(aggregator_, config_.capture.scope, wall_clock_ns());
    // A watch keeps what it alerted on, so that when it starts again it does not alert again.
    if (alerter_ && config_.write_interval)
        if (auto why = out_.write_atomically(kAlertStateFile,
                                             [&](std::ostream& o) { write_alert_state(o, alerter_->state()); }))
            not_written.push_back({std::string(kAlertStateFile), *why});
    return not_written;
}

void LiveSession::restore_alert_state() {
    std::string path = out_.file(kAlertStateFile);
    std::ifstream in(path);
    if (!in) return;  // a first start
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::string error;
    auto state = read_alert_state(text, error);
    if (!state) {
        spdlog::warn("{}: {}; starting without it, so destinations alerted on before may alert again", path, error);
        return;
    }
    alerter_->remember(*state);
    spdlog::info("{} destinations already alerted on (from {}) will not alert again", state->alerted.size(), path);
}

void LiveSession::reload() {
    out_.reopen_events();
    if (!alerter_) return;
    try {
        alerter_->set_baseline(read_allowlist_input(config_.baseline_path));
        spdlog::info("read the baseline {} again", config_.baseline_path);
    } catch (const std::exception& e) {
        spdlog::warn("--baseline {}: {}; the baseline read before stays in use", config_.baseline_path, e.what());
    }
}

// Names as written only the files that hold all they should; the warnings said the rest.
std::string LiveSession::written_line(const std::vector<OutputDir::NotWritten>& not_written) const {
    std::string whole, incomplete;
    auto list = [&](bool complete, const std::string& name) {
        std::string& to = complete ? whole : incomplete;
        to += (to.empty() ? "" : complete ? "," : ", ") + name;
    };
    list(!file_writer_->failed(), "events.jsonl");
    list(!request_log_.failed(), "requests.log");
    for (const char* name : {"report.json", "allowlist.yaml"})
        list(std::none_of(not_written.begin(), not_written.end(), [&](const auto& f) { return f.name == name; }), name);
    std::string line =
        whole.empty() ? "Nothing was written whole to " + out_.path() : "Wrote " + out_.path() + "/{" + whole + "}";
    if (!incomplete.empty()) line += "; incomplete or not written: " + incomplete + " (see the warnings above)";
    return line;
}

}  // namespace egresswatch
