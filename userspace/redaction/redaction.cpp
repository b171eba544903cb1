#include "redaction/redaction.h"

#include "redaction/request_target.h"

namespace egresswatch {

std::string redact_target(std::string_view target) {
    const auto parts = split_request_target(target);
    std::string out;
    out.reserve(target.size() + kRedacted.size());
    if (parts.absolute) {
        out.append(parts.scheme).append("://");
        if (parts.userinfo) out.append(kRedacted).append("@");
        out.append(parts.host_port);
    }
    out.append(parts.path);
    if (parts.query) {
        out += '?';
        std::string_view query = *parts.query;
        for (bool first = true;; first = false) {
            const auto amp = query.find('&');
            const auto param = query.substr(0, amp);
            if (!first) out += '&';
            const auto equals = param.find('=');
            if (equals == std::string_view::npos)
                out.append(param);
            else
                out.append(param.substr(0, equals + 1)).append(kRedacted);
            if (amp == std::string_view::npos) break;
            query.remove_prefix(amp + 1);
        }
    }
    return out;
}

std::string_view path_of(std::string_view target) {
    const auto parts = split_request_target(target);
    if (parts.absolute && parts.path.empty()) return "/";
    return parts.path;
}

}  // namespace egresswatch
