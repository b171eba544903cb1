#include "report/request_log.h"

#include <cstdio>

#include "base/timefmt.h"

namespace egresswatch {
namespace {

// A field with a space, a control byte or nothing in it would break the columns.
std::string field(std::string_view s) {
    if (s.empty()) return "-";
    std::string out;
    out.reserve(s.size());
    for (unsigned char c : s) {
        if (c <= 0x20 || c == 0x7f) {
            char hex[4];
            std::snprintf(hex, sizeof(hex), "%%%02X", c);
            out += hex;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

}  // namespace

std::string request_log_line(const HttpRecord& r) {
    std::string line = format_timestamp(r.ts_ns);
    line += ' ' + field(r.process.comm) + '[' + std::to_string(r.process.pid) + ']';
    line += ' ' + field(r.method);
    line += ' ' + field(r.host.value_or(r.address.to_string()));
    line += ' ' + field(r.path);
    line += ' ' + (r.status ? std::to_string(*r.status) : std::string("-"));
    if (r.response_time_ms) {
        char ms[32];
        std::snprintf(ms, sizeof(ms), " %.3fms", *r.response_time_ms);
        line += ms;
    } else {
        line += " -";
    }
    if (r.tls) line += " tls";
    return line;
}

}  // namespace egresswatch
