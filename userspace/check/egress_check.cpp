#include "check/egress_check.h"

namespace egresswatch {

std::string CheckTarget::label() const {
    std::string where;
    if (!host.empty())
        where = host;
    else if (addresses.empty())
        where = block.empty() ? "?" : block;
    else if (addresses.front().family == Family::ipv6)
        where = "[" + addresses.front().to_string() + "]";
    else
        where = addresses.front().to_string();
    return where + ":" + std::to_string(port) + (proto == CheckProto::tcp ? "/tcp" : "/udp");
}

std::string_view step_name(CheckStep step) {
    switch (step) {
    case CheckStep::dns: return "dns";
    case CheckStep::tcp: return "tcp";
    case CheckStep::tls: return "tls";
    case CheckStep::http: return "http";
    }
    return "?";
}

std::vector<CheckStep> plan_steps(const CheckTarget& target) {
    std::vector<CheckStep> steps;
    if (!target.not_checked.empty()) return steps;
    if (!target.host.empty()) steps.push_back(CheckStep::dns);
    if (target.proto == CheckProto::udp) return steps;
    steps.push_back(CheckStep::tcp);
    switch (target.port) {
    case 443:
    case 8443:
        steps.push_back(CheckStep::tls);
        steps.push_back(CheckStep::http);
        break;
    case 80:
    case 8080: steps.push_back(CheckStep::http); break;
    default: break;
    }
    return steps;
}

std::string_view status_name(CheckStatus status) {
    switch (status) {
    case CheckStatus::ok: return "OK";
    case CheckStatus::warning: return "WARNING";
    case CheckStatus::critical: return "CRITICAL";
    case CheckStatus::unknown: return "UNKNOWN";
    }
    return "UNKNOWN";
}

CheckStatus worse(CheckStatus a, CheckStatus b) { return static_cast<int>(a) >= static_cast<int>(b) ? a : b; }

std::string_view outcome_name(CheckOutcome outcome) {
    switch (outcome) {
    case CheckOutcome::reachable: return "reachable";
    case CheckOutcome::failed: return "failed";
    case CheckOutcome::unchecked: return "unchecked";
    }
    return "?";
}

CheckStatus DestinationResult::status() const {
    CheckStatus s = warnings.empty() ? CheckStatus::ok : CheckStatus::warning;
    for (const auto& step : steps)
        if (step.ran) s = worse(s, step.status);
    // A step that never ran because an earlier one failed adds nothing; one that never ran
    // although nothing failed means the budget ran out, which the runner records as a failure.
    return s;
}

CheckOutcome DestinationResult::outcome() const {
    if (status() == CheckStatus::critical || status() == CheckStatus::unknown) return CheckOutcome::failed;
    for (const auto& step : steps)
        if (step.step == CheckStep::tcp) return CheckOutcome::reachable;
    return CheckOutcome::unchecked;
}

std::string DestinationResult::message() const {
    std::string out;
    auto add = [&out](const std::string& part) { out += (out.empty() ? "" : "; ") + part; };
    CheckStatus s = status();
    if (s == CheckStatus::critical || s == CheckStatus::unknown) {
        for (const auto& step : steps)
            if (step.ran && step.status == s) {
                add(std::string(step_name(step.step)) + ": " + step.detail);
                break;
            }
        return out;
    }
    for (const auto& step : steps)
        if (step.ran && step.status == CheckStatus::warning)
            add(std::string(step_name(step.step)) + ": " + step.detail);
    for (const auto& w : warnings) add(w);
    if (!out.empty()) return out;
    if (connected) add("reached " + connected->to_string());
    for (const auto& step : steps)
        if (step.step == CheckStep::http && step.ran) add(step.detail);  // the status line
    if (!note.empty()) add(note);
    if (out.empty() && !resolved.empty()) add("resolves");
    return out;
}

}  // namespace egresswatch
