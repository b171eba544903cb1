// The ECS documents of start, lost and stop lines: what the session observed, what it could not
// record, and how it ended. ECS has no fields for a recorder's own session, so these say it in
// their message, and carry only what has a field.
#include "report/ecs/documents.h"

namespace egresswatch::ecs {
namespace {

std::string joined(const std::vector<std::string>& words) {
    std::string out;
    for (const std::string& w : words) out += (out.empty() ? "" : " ") + w;
    return out;
}

}  // namespace

Json start_document(const SessionStart& r, const std::string& host_name) {
    Event event{.type = {"start"}, .action = "start", .dataset = "session"};
    Json doc = document(r.ts_ns, event, host_name);
    std::string text = "egresswatch " + r.version + " " + r.mode + " started";
    if (!r.cgroup.empty()) text += ", observing cgroup " + r.cgroup;
    if (!r.command.empty()) text += ": " + joined(r.command);
    if (r.baseline) text += "; alerts on destinations " + *r.baseline + " does not allow";
    if (r.enforce) text += "; enforcing " + *r.enforce + (r.enforce_mode ? " (" + *r.enforce_mode + ")" : "");
    put(doc, "message", text);
    return doc;
}

Json loss_document(const LossRecord& r, const std::string& host_name) {
    Event event{.type = {"info"}, .action = "lost", .dataset = "session"};
    Json doc = document(r.ts_ns, event, host_name);
    // Cumulative, like the native line: the last one says what the whole session lost.
    std::string text = "lost " + std::to_string(r.total()) + " records so far";
    std::string sep = ": ";
    for (const auto& [reason, count] : r.reasons) {
        text += sep + reason + " " + std::to_string(count);
        sep = ", ";
    }
    put(doc, "message", text);
    return doc;
}

Json stop_document(const SessionStop& r, const std::string& host_name) {
    Event event{.type = {"end"}, .action = "stop", .dataset = "session"};
    Json doc = document(r.ts_ns, event, host_name);
    std::string text = "egresswatch session ended";
    if (r.exit_code) {
        put(doc, "process.exit_code", *r.exit_code);  // the command `run` ran
        text += "; the command exited with status " + std::to_string(*r.exit_code);
    }
    put(doc, "message", text);
    return doc;
}

}  // namespace egresswatch::ecs
