#include "pipeline/events.h"

namespace egresswatch {

std::string_view sock_event_kind_name(SockEventKind kind) {
    return kind == SockEventKind::connect ? "connect" : "send";
}

std::string_view verdict_name(Verdict verdict) {
    switch (verdict) {
    case Verdict::allowed: return "allowed";
    case Verdict::blocked: return "blocked";
    case Verdict::unverified: return "unverified";
    }
    return "allowed";
}

std::optional<Verdict> parse_verdict(std::string_view name) {
    for (Verdict v : {Verdict::allowed, Verdict::blocked, Verdict::unverified})
        if (verdict_name(v) == name) return v;
    return std::nullopt;
}

}  // namespace egresswatch
