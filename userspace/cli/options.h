#pragma once
// What the command line asked for, parsed but not yet acted on (so tests can check it).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "alerts/alert_webhook.h"
#include "base/ip_address.h"
#include "check/checker.h"
#include "clickhouse/clickhouse_target.h"
#include "clickhouse/fleet_query.h"
#include "metrics/metrics_listen.h"
#include "report/rotating_file.h"

namespace egresswatch {

enum class CommandKind { run, watch, doctor, report, allowlist, check };

// --json-format: what events.jsonl and the --json stream are written in.
enum class JsonFormat {
    native,  // egresswatch's own lines, which `report` reads back (docs/output.md)
    ecs,     // Elastic Common Schema documents, for Filebeat, Elastic Agent or Vector (docs/ecs.md)
};

struct CaptureOptions {
    std::string out_dir = "egress";
    bool json_stream = false;
    JsonFormat json_format = JsonFormat::native;
    std::optional<ScopeFilter> scope;  // unset: report all, allowlist nonlocal
    // 4 MiB: libbpf maps the ring twice, so this is 8 MiB of RSS (16 at 8 MiB, a quarter of the
    // agent's budget), and the soak's storms at 100k destinations lost nothing at 4 (bench/soak.sh).
    std::uint32_t ringbuf_mib = 4;
    std::uint32_t dedup_entries = 65536;
    bool every_connect = false;                   // no in-kernel dedup of repeated connects
    bool quiet = false;                           // no summary table
    bool payload = true;                          // DNS, TLS SNI and HTTP heads from cgroup_skb
    bool tls = true;                              // HTTPS requests from TLS library uprobes
    bool hold = true;                             // run: stop a process at a new program's exec until it is examined
    std::uint32_t payload_bytes = 1024;           // per packet
    std::uint32_t payload_flow_bytes = 4096;      // per TLS or unrecognised flow
    std::uint32_t http_head_burst = 512;          // request + response heads per process...
    std::uint32_t http_heads_per_sec = 128;       // ...and then per second
    std::uint32_t pending_sockets = 16384;        // connected sockets owned before their first payload
    bool redact = true;                           // secrets in headers and query values
    std::optional<MetricsListen> metrics_listen;  // serve Prometheus metrics there
    // --sink clickhouse=URL: every record also a row there (its CA from --sink-ca), waiting in a
    // spool under out_dir of at most this many bytes while the server is away (docs/clickhouse.md).
    std::optional<ClickHouseTarget> clickhouse;
    std::uint64_t clickhouse_spool_bytes = std::uint64_t{256} << 20;
};

// --baseline and what to do with the alerts it raises (docs/alerts.md).
struct AlertOptions {
    std::string baseline;               // empty: no alerts
    bool fail_on_new = false;           // run: exit kNewDestinationsExit after new destinations
    std::string exec_command;           // watch: --alert-exec
    std::optional<WebhookUrl> webhook;  // watch: --alert-webhook (and -ca), an http(s):// URL the parser checked
    bool syslog = false;                // watch: --alert-syslog
};

// run --enforce (docs/enforce.md).
struct EnforceOptions {
    std::string allowlist;               // empty: observe only
    bool fail_open = false;              // --enforce-mode fail-open
    std::vector<std::string> resolvers;  // --resolver: trusted besides resolv.conf's (checked addresses)
};

// --follow-containers: which containers made during a run join it (docs/containers.md).
enum class FollowContainers {
    started,  // those the command's own processes start (their runtime runs in the run: podman)
    any,      // also those a runtime outside the run makes meanwhile (dockerd, containerd)
    off,
};

struct RunOptions {
    CaptureOptions capture;
    AlertOptions alerts;
    EnforceOptions enforce;
    FollowContainers follow_containers = FollowContainers::started;
    std::vector<std::string> command;
};

struct WatchOptions {
    CaptureOptions capture;
    AlertOptions alerts;
    std::string cgroup;     // empty: the whole host (cgroup2 root)
    std::string container;  // --container NAME|ID: that running container's cgroup
    // --pod NAMESPACE/NAME: that Kubernetes pod's cgroup (both parts checked non-empty).
    std::string pod_namespace, pod_name;
    std::optional<std::chrono::milliseconds> duration;
    // A service that runs for weeks: events.jsonl and requests.log rotated and compressed
    // (--rotate-size, --rotate-age, --keep-segments), and report.json, allowlist.yaml and the
    // alert state written this often (--write-interval), not only at the end.
    RotationPolicy rotation{0, {}, 10};
    std::chrono::milliseconds write_interval{60'000};
};

struct ReportCommandOptions {
    std::string events_path;               // or:
    std::optional<ClickHouseTarget> from;  // --from clickhouse=URL: a fleet's stored records
    FleetFilter fleet;                     // --since, --where (with --from)
    std::string out_dir;                   // empty: next to the events file (with --from: egress)
    std::optional<ScopeFilter> scope;
    bool quiet = false;
};

// egresswatch allowlist merge|diff|export: offline, no root.
enum class AllowlistAction { merge, diff, export_to };

struct AllowlistOptions {
    AllowlistAction action = AllowlistAction::merge;
    std::vector<std::string> inputs;                    // merge: all; diff: old, new; export: one
    std::string out_path;                               // empty: stdout
    bool json = false;                                  // diff
    std::string format;                                 // export
    std::string policy_name = "egresswatch-allowlist";  // export k8s, cilium
    std::vector<std::string> resolvers;                 // export nftables
};

struct CheckCommandOptions {
    std::string allowlist_path;
    check::CheckOptions check;
    bool json = false;  // a JSON document instead of the Nagios plugin lines
};

struct CliRequest {
    CommandKind command = CommandKind::doctor;
    bool verbose = false;
    RunOptions run;
    WatchOptions watch;
    ReportCommandOptions report;
    AllowlistOptions allowlist;
    CheckCommandOptions check;
};

// Parse outcome that ends the program before any command runs: --help/--version (exit 0,
// text on stdout) or a usage error (exit 2, one line on stderr). `check` is a monitoring
// plugin, so its usage errors are its own: "EGRESS UNKNOWN - ..." on stdout, exit 3.
struct CliExit {
    int code = 0;
    std::string text;
    bool plugin_output = false;  // print 'text' as it is, on stdout
};

// Throws CliExit.
CliRequest parse_cli(int argc, const char* const* argv);

// The whole program: parse, dispatch, map errors to exit codes.
int cli_main(int argc, const char* const* argv);

// --resolver addresses, which the parser already checked, as addresses.
std::vector<IpAddress> resolver_addresses(const std::vector<std::string>& texts);

}  // namespace egresswatch
