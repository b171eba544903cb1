#pragma once
// The outcome every protocol parser reports, so callers can tell "wait for more bytes" from
// "stop looking at this flow".

#include <cstdint>
#include <string_view>

namespace egresswatch {

enum class ParseStatus : std::uint8_t {
    complete,           // the whole unit (head, hello, message) was parsed
    need_more,          // valid so far, but the bytes end before the unit does
    not_this_protocol,  // the first bytes already rule this protocol out
    malformed,          // it started like this protocol, then broke its rules
};

inline std::string_view parse_status_name(ParseStatus status) {
    switch (status) {
    case ParseStatus::complete: return "complete";
    case ParseStatus::need_more: return "need_more";
    case ParseStatus::not_this_protocol: return "not_this_protocol";
    case ParseStatus::malformed: return "malformed";
    }
    return "unknown";
}

}  // namespace egresswatch
