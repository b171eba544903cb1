// start, lost and stop lines of events.jsonl, written and read back: what the session was,
// what it could not record, and how it ended.
#include "base/timefmt.h"
#include "report/jsonl.h"
#include "report/jsonl/codecs.h"
#include "report/jsonl/fields.h"

namespace egresswatch {

Json to_json(const SessionStart& r) {
    Json j{{"type", "start"}, {"ts", format_timestamp(r.ts_ns)}, {"mode", r.mode}};
    if (!r.command.empty()) j["command"] = r.command;
    j["cgroup"] = r.cgroup;
    j["version"] = r.version;
    if (!r.hostname.empty()) j["hostname"] = r.hostname;
    j["kernel_features"] = r.kernel_features;
    if (r.baseline) j["baseline"] = *r.baseline;
    if (r.enforce) j["enforce"] = *r.enforce;
    if (r.enforce_mode) j["enforce_mode"] = *r.enforce_mode;
    return j;
}

SessionStart start_from(const Json& j) {
    SessionStart r;
    r.ts_ns = required_ts(j);
    r.mode = optional_field<std::string>(j, "mode");
    r.command = optional_field<std::vector<std::string>>(j, "command");
    r.cgroup = optional_field<std::string>(j, "cgroup");
    r.version = optional_field<std::string>(j, "version");
    r.hostname = optional_field<std::string>(j, "hostname");
    r.kernel_features = optional_field<std::map<std::string, std::string>>(j, "kernel_features");
    r.baseline = maybe_field<std::string>(j, "baseline");
    r.enforce = maybe_field<std::string>(j, "enforce");
    r.enforce_mode = maybe_field<std::string>(j, "enforce_mode");
    return r;
}

Json to_json(const LossRecord& r) {
    return Json{{"type", "lost"}, {"ts", format_timestamp(r.ts_ns)}, {"total", r.total()}, {"reasons", r.reasons}};
}

LossRecord loss_from(const Json& j) {
    LossRecord r;
    r.ts_ns = required_ts(j);
    r.reasons = required_counts(j, "reasons");
    return r;
}

Json to_json(const SessionStop& r) {
    Json j{{"type", "stop"}, {"ts", format_timestamp(r.ts_ns)}};
    j["exit_code"] = r.exit_code ? Json(*r.exit_code) : Json(nullptr);
    return j;
}

SessionStop stop_from(const Json& j) {
    SessionStop r;
    r.ts_ns = required_ts(j);
    // The command's status as a shell gives it: 128+N when killed by signal N.
    if (auto code = maybe_field<int>(j, "exit_code")) r.exit_code = within("exit_code", *code, 0, 255);
    return r;
}

}  // namespace egresswatch
