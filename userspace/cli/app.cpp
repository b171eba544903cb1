#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "alerts/alert_webhook.h"
#include "allowlist/export/export.h"
#include "base/byte_size.h"
#include "base/duration.h"
#include "base/errors.h"
#include "check/check_output.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "egresswatch/abi.h"
#include "enforce/enforce_plan.h"
#include "kernel/libbpf_log.h"

namespace egresswatch {
namespace {

const std::map<std::string, ScopeFilter> kScopes{
    {"internet", ScopeFilter::internet}, {"nonlocal", ScopeFilter::nonlocal}, {"all", ScopeFilter::all}};

// Both --resolver options: an address, read as resolv.conf's nameservers are.
CLI::Validator ip_address_check() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            if (parse_resolver_address(text)) return {};
            return "'" + text + "' is not an IP address (like 192.0.2.53 or fd00::53)";
        },
        "ADDRESS");
}

// What --sink and its options said, checked once the whole command line is read (sink_options).
struct SinkTexts {
    std::string sink, ca, spool_size;
};

void add_capture_options(CLI::App* cmd, CaptureOptions& o, SinkTexts& sink) {
    cmd->add_option("-o,--out", o.out_dir, "directory for events.jsonl, report.json, allowlist.yaml")
        ->capture_default_str();
    cmd->add_flag("--json", o.json_stream, "also stream events to stdout as JSON lines");
    // A name checked as a name, so that a wrong one is refused with the two right ones.
    cmd->add_option_function<std::string>(
           "--json-format",
           [&o](const std::string& name) { o.json_format = name == "ecs" ? JsonFormat::ecs : JsonFormat::native; },
           "native (default; what `report` reads) or ecs (Elastic Common Schema, for Filebeat, Elastic Agent or "
           "Vector): the format of events.jsonl and of --json")
        ->check(CLI::IsMember({"native", "ecs"}));
    cmd->add_option("--scope", o.scope,
                    "destinations kept in report and allowlist: internet, nonlocal, all "
                    "(default: report all, allowlist nonlocal)")
        ->transform(CLI::CheckedTransformer(kScopes));
    cmd->add_option("--ringbuf-mib", o.ringbuf_mib, "ring buffer size in MiB (power of two)")
        ->capture_default_str()
        ->check(CLI::IsMember({1u, 2u, 4u, 8u, 16u, 32u, 64u, 128u, 256u}));
    cmd->add_option("--dedup-entries", o.dedup_entries, "kernel map size for connect and datagram deduplication")
        ->capture_default_str()
        ->check(CLI::Range(1024u, 1u << 24));
    cmd->add_flag("--every-connect", o.every_connect,
                  "an event for every connect(), not only the first per process, destination and protocol");
    cmd->add_flag("-q,--quiet", o.quiet, "do not print the summary table");
    cmd->add_flag("!--no-payload", o.payload,
                  "do not inspect payload (no DNS, TLS SNI or HTTP names and requests; connections only)");
    cmd->add_flag("!--no-tls", o.tls,
                  "do not read HTTPS requests from TLS libraries (uprobes); HTTPS connections keep their SNI name");
    cmd->add_option("--payload-bytes", o.payload_bytes, "payload bytes copied per packet (DNS message, HTTP head)")
        ->capture_default_str()
        ->check(CLI::Range(64u, static_cast<unsigned>(EW_PAYLOAD_MAX)));  // the BPF buffers' size
    cmd->add_option("--payload-flow-bytes", o.payload_flow_bytes,
                    "payload bytes copied per TLS or unrecognised flow (the ClientHello)")
        ->capture_default_str()
        ->check(CLI::Range(64u, 65536u));
    cmd->add_option("--http-head-burst", o.http_head_burst,
                    "HTTP request and response heads one process may copy at once; over budget they are counted "
                    "as lost")
        ->capture_default_str()
        ->check(CLI::Range(2u, 1u << 30));
    cmd->add_option("--http-heads-per-sec", o.http_heads_per_sec,
                    "HTTP heads per second a process's budget refills by (0: the burst is all)")
        ->capture_default_str()
        ->check(CLI::Range(0u, 1u << 24));
    cmd->add_option("--pending-sockets", o.pending_sockets,
                    "connected sockets whose owner is held in a preallocated map until their first payload; "
                    "beyond this, owners are allocated at connect, which costs more (rounded up to a power of two)")
        ->capture_default_str()
        ->check(CLI::Range(1u, 1u << 22));
    cmd->add_flag("!--no-redact", o.redact,
                  "write Authorization, Cookie and similar header values and URL query values in clear");
    cmd->add_option("--metrics-listen")
        ->description("serve Prometheus metrics at http://ADDRESS:PORT/metrics (e.g. 127.0.0.1:9464)")
        ->type_name("ADDRESS:PORT")
        ->check(CLI::Validator(
            [](std::string& text) -> std::string {
                std::string error;
                if (parse_metrics_listen(text, error)) return {};
                return "'" + text + "': " + error;
            },
            "ADDRESS:PORT"))
        ->each([&o](const std::string& text) {
            std::string error;
            o.metrics_listen = parse_metrics_listen(text, error);
        });
    CLI::Option* sink_option =
        cmd->add_option("--sink", sink.sink,
                        "also send every record to ClickHouse: clickhouse=http(s)://[USER[:PASSWORD]@]HOST[:PORT][/"
                        "DATABASE] (docs/clickhouse.md)")
            ->type_name("clickhouse=URL");
    cmd->add_option("--sink-ca", sink.ca, "PEM certificates that --sink's https server is checked against")
        ->check(CLI::ExistingFile)
        ->needs(sink_option);
    cmd->add_option("--sink-spool-size", sink.spool_size,
                    "disk held for --sink's records while the server is away (default 256M); beyond it they are "
                    "counted as lost")
        ->needs(sink_option);
}

// A ClickHouse URL after "clickhouse=", as --sink and report --from give it.
ClickHouseTarget clickhouse_url(const char* option, const std::string& text, const std::string& ca) {
    constexpr std::string_view kPrefix = "clickhouse=";
    if (!text.starts_with(kPrefix))
        throw CliExit{kSetupErrorExit, std::string(option) + ": '" + text +
                                           "' is not clickhouse=URL (like clickhouse=http://127.0.0.1:8123)"};
    std::string error;
    auto target = parse_clickhouse_target(text.substr(kPrefix.size()), error);
    if (!target) throw CliExit{kSetupErrorExit, std::string(option) + ": " + error};
    target->http.ca_file = ca;
    return *target;
}

void sink_options(const SinkTexts& sink, CaptureOptions& o) {
    if (sink.sink.empty()) return;
    o.clickhouse = clickhouse_url("--sink", sink.sink, sink.ca);
    if (!sink.spool_size.empty()) {
        std::string why;
        auto bytes = parse_byte_size(sink.spool_size, &why);
        if (!bytes)
            throw CliExit{kSetupErrorExit,
                          "--sink-spool-size: '" + sink.spool_size + "' is not a size: " + why + " (like 256M or 2G)"};
        o.clickhouse_spool_bytes = *bytes;
    }
}

// Whether argv names the `check` subcommand: its parse errors must read as a plugin's UNKNOWN
// even when CLI11 stopped before it got to the subcommand. Global options take no values, so
// the subcommand is the first word that is not an option.
bool names_check_command(int argc, const char* const* argv) {
    for (int i = 1; i < argc; ++i)
        if (argv[i][0] != '-') return std::string(argv[i]) == "check";
    return false;
}

CliExit check_usage_error(const std::string& what) {
    return CliExit{static_cast<int>(CheckStatus::unknown), render_nagios_unknown(what), true};
}

}  // namespace

std::vector<IpAddress> resolver_addresses(const std::vector<std::string>& texts) {
    std::vector<IpAddress> out;
    for (const std::string& text : texts)
        if (auto address = parse_resolver_address(text)) out.push_back(*address);
    return out;
}

CliRequest parse_cli(int argc, const char* const* argv) {
    CliRequest req;
    CLI::App app{"egresswatch: which process, started by what, reached which destination", "egresswatch"};
    app.set_version_flag("--version", EGRESSWATCH_VERSION);
    app.add_flag("-v,--verbose", req.verbose, "debug logging (libbpf included)");
    app.require_subcommand(1, 1);

    CLI::App* run = app.add_subcommand("run", "run COMMAND and observe it and all its descendants");
    SinkTexts run_sink, watch_sink;
    add_capture_options(run, req.run.capture, run_sink);
    run->add_flag("!--no-hold", req.run.capture.hold,
                  "do not pause a process at the start of a program not yet examined for Go's TLS (its first "
                  "HTTPS requests may then be missed)");
    CLI::Option* run_baseline = run->add_option("--baseline", req.run.alerts.baseline,
                                                "an allowlist.yaml: alert on every destination it does not allow");
    run->add_flag("--fail-on-new", req.run.alerts.fail_on_new,
                  "exit 3 if the command succeeded but reached a destination not in --baseline")
        ->needs(run_baseline);
    CLI::Option* run_enforce =
        run->add_option("--enforce", req.run.enforce.allowlist,
                        "an allowlist.yaml: connections it does not allow fail with EPERM and are reported as blocked");
    std::string enforce_mode = "fail-closed";
    run->add_option("--enforce-mode", enforce_mode,
                    "fail-closed (default: refuse what cannot be verified or recorded, kill the command if "
                    "egresswatch dies) or fail-open (let it through, reported unverified)")
        ->check(CLI::IsMember({"fail-closed", "fail-open"}))
        ->needs(run_enforce);
    run->add_option("--resolver", req.run.enforce.resolvers,
                    "a DNS server whose answers teach the addresses of allowed names, besides /etc/resolv.conf's "
                    "(repeatable); its port 53 is allowed")
        ->check(ip_address_check())
        ->needs(run_enforce);
    std::string follow = "started";
    run->add_option("--follow-containers", follow,
                    "started (default: containers the command's processes start, as podman does), any (also "
                    "those made meanwhile by a runtime outside the run, as dockerd does) or off")
        ->check(CLI::IsMember({"started", "any", "off"}));
    run->add_option("command", req.run.command, "the command to run, after --")->required();
    run->positionals_at_end();

    CLI::App* watch = app.add_subcommand("watch", "observe the whole host or one cgroup until Ctrl-C");
    add_capture_options(watch, req.watch.capture, watch_sink);
    CLI::Option* watch_cgroup = watch->add_option("--cgroup", req.watch.cgroup,
                                                  "a cgroup v2 path (absolute, or relative to the cgroup2 mount)");
    CLI::Option* watch_container =
        watch
            ->add_option("--container", req.watch.container,
                         "a running container's name or id (podman, Docker, containerd, CRI-O): its cgroup")
            ->excludes(watch_cgroup);
    std::string pod;
    watch->add_option("--pod", pod, "a Kubernetes pod with running containers, as NAMESPACE/NAME: its cgroup")
        ->excludes(watch_cgroup)
        ->excludes(watch_container);
    std::string duration;
    watch->add_option("--duration", duration, "stop after this long: 90s, 5m, 1h");
    std::string rotate_size, rotate_age, write_interval;
    watch->add_option("--rotate-size", rotate_size,
                      "rotate events.jsonl and requests.log before one passes this size: 100M, 1G");
    watch->add_option("--rotate-age", rotate_age, "rotate events.jsonl and requests.log once one is this old: 1h, 24h");
    watch
        ->add_option("--keep-segments", req.watch.rotation.keep,
                     "compressed segments of each file kept; older ones are removed (0 keeps all)")
        ->capture_default_str()
        ->check(CLI::Range(0u, 100000u));
    watch->add_option("--write-interval", write_interval,
                      "write report.json, allowlist.yaml and the alert state this often, not only at the end "
                      "(default 60s)");
    CLI::Option* watch_baseline = watch->add_option("--baseline", req.watch.alerts.baseline,
                                                    "an allowlist.yaml: alert on every destination it does not allow");
    watch
        ->add_option("--alert-exec", req.watch.alerts.exec_command,
                     "run this (sh -c) for each alert, with the alert JSON on stdin and EGRESSWATCH_ALERT_* set")
        ->needs(watch_baseline);
    std::string webhook_url;
    CLI::Option* webhook_option =
        watch->add_option("--alert-webhook", webhook_url, "POST each alert's JSON to this http:// or https:// URL")
            ->needs(watch_baseline);
    std::string webhook_ca;
    watch
        ->add_option("--alert-webhook-ca", webhook_ca,
                     "PEM certificates that --alert-webhook's server is checked against, instead of the system's")
        ->check(CLI::ExistingFile)
        ->needs(webhook_option);
    watch->add_flag("--alert-syslog", req.watch.alerts.syslog, "log each alert to syslog (daemon, warning)")
        ->needs(watch_baseline);

    app.add_subcommand("doctor", "show which kernel features work here and which hooks are used");

    CLI::App* report = app.add_subcommand(
        "report", "rebuild report.json and allowlist.yaml from events.jsonl, or from a fleet's records in ClickHouse");
    CLI::Option* report_events =
        report->add_option("events", req.report.events_path, "an events.jsonl written by run or watch");
    std::string report_from, report_ca, since;
    std::vector<std::string> where;
    CLI::Option* report_from_option =
        report
            ->add_option("--from", report_from,
                         "read the records --sink stored: clickhouse=URL (every host's, one allowlist for the fleet)")
            ->type_name("clickhouse=URL")
            ->excludes(report_events);
    report->add_option("--since", since, "with --from: only records this recent: 24h, 7d")->needs(report_from_option);
    report
        ->add_option("--where", where,
                     "with --from: only records of this host=NAME, image=IMAGE or cgroup=PATH (repeatable: values of "
                     "one key are any of them, keys all of them)")
        ->needs(report_from_option);
    report->add_option("--from-ca", report_ca, "PEM certificates that --from's https server is checked against")
        ->check(CLI::ExistingFile)
        ->needs(report_from_option);
    report->add_option("-o,--out", req.report.out_dir,
                       "output directory (default: the events file's; with --from, ./egress)");
    report->add_option("--scope", req.report.scope, "internet, nonlocal or all")
        ->transform(CLI::CheckedTransformer(kScopes));
    report->add_flag("-q,--quiet", req.report.quiet, "do not print the summary table");

    CLI::App* allowlist = app.add_subcommand("allowlist", "merge, compare and export allowlists (offline)");
    allowlist->require_subcommand(1, 1);
    CLI::App* merge = allowlist->add_subcommand("merge", "one allowlist from several (union, sorted, with sources)");
    merge->add_option("files", req.allowlist.inputs, "allowlist.yaml files")->required();
    merge->add_option("-o,--out", req.allowlist.out_path, "write here instead of stdout");
    CLI::App* diff = allowlist->add_subcommand("diff", "destinations added, removed and changed; exit 1 if any");
    diff->add_option("old", req.allowlist.inputs, "the allowlist before, then the one after")->required()->expected(2);
    diff->add_flag("--json", req.allowlist.json, "JSON instead of +/-/~ lines");
    CLI::App* exp = allowlist->add_subcommand("export", "an allowlist as firewall rules, policies or lists");
    exp->add_option("file", req.allowlist.inputs, "an allowlist.yaml")->required()->expected(1);
    std::vector<std::string> format_names;
    for (const auto& f : export_formats()) format_names.emplace_back(f.name);
    exp->add_option("-f,--format", req.allowlist.format,
                    "nftables, k8s, cilium, squid, hosts, conn-check, harden-runner")
        ->required()
        ->check(CLI::IsMember(format_names));
    exp->add_option("-o,--out", req.allowlist.out_path, "write here instead of stdout");
    exp->add_option("--name", req.allowlist.policy_name, "k8s, cilium: the policy's metadata.name")
        ->capture_default_str();
    exp->add_option("--resolver", req.allowlist.resolvers, "nftables: a DNS server to allow (repeatable)")
        ->check(ip_address_check());
    CLI::App* check = app.add_subcommand(
        "check", "verify every destination of an allowlist: DNS, TCP, TLS, HTTP (Nagios plugin output)");
    check->add_option("allowlist", req.check.allowlist_path, "an allowlist.yaml")->required();
    std::string timeout, warn_time;
    check->add_option("--timeout", timeout, "time budget of each destination, all its steps together (default 5s)");
    check->add_option("--warn-time", warn_time, "WARNING when a destination takes longer than this (default: never)");
    check
        ->add_option("--warn-days", req.check.check.warn_days,
                     "WARNING when a TLS certificate expires within this many days")
        ->capture_default_str()
        ->check(CLI::Range(0, 36500));
    check->add_option("--parallel", req.check.check.parallel, "destinations checked at the same time")
        ->capture_default_str()
        ->check(CLI::Range(1u, 1024u));
    check->add_option("--ca-file", req.check.check.ca_file, "PEM certificates to trust besides the system's")
        ->check(CLI::ExistingFile);
    check->add_flag("--json", req.check.json, "print one JSON document instead of the plugin's lines");

    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        std::ostringstream out, err;
        app.exit(e, out, err);
        throw CliExit{0, out.str()};
    } catch (const CLI::ParseError& e) {
        std::string what = e.what();
        if (what.empty()) what = "invalid arguments";
        if (names_check_command(argc, argv)) throw check_usage_error(what + " (see egresswatch check --help)");
        throw CliExit{kSetupErrorExit, what + " (see egresswatch --help)"};
    }

    if (run->parsed())
        req.command = CommandKind::run;
    else if (watch->parsed())
        req.command = CommandKind::watch;
    else if (report->parsed())
        req.command = CommandKind::report;
    else if (allowlist->parsed())
        req.command = CommandKind::allowlist;
    else if (check->parsed())
        req.command = CommandKind::check;
    else
        req.command = CommandKind::doctor;

    if (merge->parsed())
        req.allowlist.action = AllowlistAction::merge;
    else if (diff->parsed())
        req.allowlist.action = AllowlistAction::diff;
    else if (exp->parsed())
        req.allowlist.action = AllowlistAction::export_to;

    sink_options(run_sink, req.run.capture);
    sink_options(watch_sink, req.watch.capture);
    if (report->parsed()) {
        if (report_from.empty() && req.report.events_path.empty())
            throw CliExit{kSetupErrorExit, "report: give an events.jsonl, or --from clickhouse=URL (see egresswatch "
                                           "report --help)"};
        if (!report_from.empty()) req.report.from = clickhouse_url("--from", report_from, report_ca);
        for (const std::string& text : where) {
            std::string error;
            auto condition = parse_fleet_condition(text, error);
            if (!condition) throw CliExit{kSetupErrorExit, "--where: " + error};
            req.report.fleet.where.push_back(*condition);
        }
    }
    req.run.enforce.fail_open = enforce_mode == "fail-open";
    req.run.follow_containers = follow == "any"   ? FollowContainers::any
                                : follow == "off" ? FollowContainers::off
                                                  : FollowContainers::started;
    if (!req.run.enforce.allowlist.empty() && !req.run.capture.payload)
        throw CliExit{kSetupErrorExit,
                      "--enforce learns the addresses of allowed names from DNS answers, which needs payload "
                      "inspection: drop --no-payload"};
    // "--timeout: '0s' is not a duration: it must be more than zero (like 5s or 500ms)"
    auto duration_error = [](const char* option, const std::string& text, const std::string& why,
                             const char* examples) {
        return std::string(option) + ": '" + text + "' is not a duration: " + why + " (like " + examples + ")";
    };
    if (!pod.empty()) {
        std::size_t slash = pod.find('/');
        if (slash == 0 || slash == std::string::npos || slash + 1 == pod.size() ||
            pod.find('/', slash + 1) != std::string::npos)
            throw CliExit{kSetupErrorExit,
                          "--pod: '" + pod + "' is not NAMESPACE/NAME (like shop/web-7d9f8c6b5-x2kqp)"};
        req.watch.pod_namespace = pod.substr(0, slash);
        req.watch.pod_name = pod.substr(slash + 1);
    }
    std::string why;
    if (!duration.empty()) {
        req.watch.duration = parse_duration(duration, &why);
        if (!req.watch.duration)
            throw CliExit{kSetupErrorExit, duration_error("--duration", duration, why, "90s, 5m or 1h")};
    }
    if (!since.empty()) {
        auto age = parse_duration(since, &why);
        if (!age) throw CliExit{kSetupErrorExit, duration_error("--since", since, why, "24h or 7d")};
        req.report.fleet.since = std::chrono::duration_cast<std::chrono::seconds>(*age);
        if (*req.report.fleet.since < std::chrono::seconds(1))
            throw CliExit{kSetupErrorExit, "--since: '" + since + "' is less than a second"};
    }
    if (!rotate_size.empty()) {
        auto bytes = parse_byte_size(rotate_size, &why);
        if (!bytes)
            throw CliExit{kSetupErrorExit,
                          "--rotate-size: '" + rotate_size + "' is not a size: " + why + " (like 100M or 1G)"};
        req.watch.rotation.max_bytes = *bytes;
    }
    if (!rotate_age.empty()) {
        auto age = parse_duration(rotate_age, &why);
        if (!age) throw CliExit{kSetupErrorExit, duration_error("--rotate-age", rotate_age, why, "1h or 24h")};
        if (*age < std::chrono::seconds(1))
            throw CliExit{kSetupErrorExit, "--rotate-age: '" + rotate_age + "' is less than a second"};
        req.watch.rotation.max_age = std::chrono::duration_cast<std::chrono::seconds>(*age);
    }
    if (!write_interval.empty()) {
        auto every = parse_duration(write_interval, &why);
        if (!every)
            throw CliExit{kSetupErrorExit, duration_error("--write-interval", write_interval, why, "30s or 5m")};
        req.watch.write_interval = *every;
    }
    if (!webhook_url.empty()) {
        std::string error;
        req.watch.alerts.webhook = parse_webhook_url(webhook_url, error);
        if (!req.watch.alerts.webhook) throw CliExit{kSetupErrorExit, "--alert-webhook: " + error};
        req.watch.alerts.webhook->ca_file = webhook_ca;
    }
    if (!timeout.empty()) {
        auto t = parse_duration(timeout, &why);
        if (!t) throw check_usage_error(duration_error("--timeout", timeout, why, "5s or 500ms"));
        req.check.check.timeout = *t;
    }
    if (!warn_time.empty()) {
        req.check.check.warn_time = parse_duration(warn_time, &why);
        if (!req.check.check.warn_time)
            throw check_usage_error(duration_error("--warn-time", warn_time, why, "2s or 500ms"));
    }
    return req;
}

int cli_main(int argc, const char* const* argv) {
    auto logger = spdlog::stderr_color_mt("egresswatch");
    logger->set_pattern("egresswatch: %^%l%$: %v");
    spdlog::set_default_logger(logger);
    spdlog::set_level(spdlog::level::info);

    CliRequest req;
    try {
        req = parse_cli(argc, argv);
    } catch (const CliExit& e) {
        if (e.plugin_output)
            std::cout << e.text;
        else
            (e.code == 0 ? std::cout : std::cerr) << (e.code == 0 ? e.text : "egresswatch: " + e.text + "\n");
        return e.code;
    }
    if (req.verbose) spdlog::set_level(spdlog::level::debug);
    install_libbpf_logger();

    try {
        switch (req.command) {
        case CommandKind::run: return command_run(req.run);
        case CommandKind::watch: return command_watch(req.watch);
        case CommandKind::doctor: return command_doctor();
        case CommandKind::report: return command_report(req.report);
        case CommandKind::allowlist: return command_allowlist(req.allowlist);
        case CommandKind::check: return command_check(req.check);
        }
    } catch (const SetupError& e) {
        std::cerr << "egresswatch: " << e.what() << "\n";
        return kSetupErrorExit;
    }
    return 0;
}

}  // namespace egresswatch
