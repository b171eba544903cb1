#include "redaction/request_target.h"

#include <algorithm>

#include "base/ascii.h"

namespace egresswatch {
namespace {

// RFC 3986 3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
bool is_scheme(std::string_view text) {
    if (text.empty() || !is_ascii_alpha(text.front())) return false;
    return std::all_of(text.begin(), text.end(), [](char c) {
        return is_ascii_alpha(c) || is_ascii_digit(c) || c == '+' || c == '-' || c == '.';
    });
}

}  // namespace

RequestTargetParts split_request_target(std::string_view target) {
    RequestTargetParts parts;
    if (auto hash = target.find('#'); hash != std::string_view::npos) {
        parts.fragment = target.substr(hash + 1);
        target = target.substr(0, hash);
    }
    if (auto question = target.find('?'); question != std::string_view::npos) {
        parts.query = target.substr(question + 1);
        target = target.substr(0, question);
    }
    const auto separator = target.find("://");
    if (separator != std::string_view::npos && is_scheme(target.substr(0, separator))) {
        parts.absolute = true;
        parts.scheme = target.substr(0, separator);
        const auto rest = target.substr(separator + 3);
        const auto slash = rest.find('/');
        auto authority = rest.substr(0, slash);
        parts.path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
        // The last '@' ends userinfo: a password may itself contain an unescaped '@'.
        if (auto at = authority.rfind('@'); at != std::string_view::npos) {
            parts.userinfo = authority.substr(0, at);
            authority = authority.substr(at + 1);
        }
        parts.host_port = authority;
    } else {
        parts.path = target;
    }
    return parts;
}

}  // namespace egresswatch
