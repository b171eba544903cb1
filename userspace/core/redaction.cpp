#include "core/redaction.h"

#include <algorithm>
#include <array>

#include "core/ascii.h"
#include "core/request_target.h"

namespace egresswatch {
namespace {

constexpr std::array<std::string_view, 12> kSecretHeaders{
    "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "x-auth-token",
    // tokens of well-known services a deploy talks to
    "x-amz-security-token", "x-goog-api-key", "private-token", "job-token", "x-vault-token", "x-registry-auth",
};

bool keeps_scheme(std::string_view name) {
    return ascii_iequals(name, "authorization") || ascii_iequals(name, "proxy-authorization");
}

}  // namespace

bool is_secret_header(std::string_view name) {
    return std::any_of(kSecretHeaders.begin(), kSecretHeaders.end(),
                       [&](std::string_view secret) { return ascii_iequals(name, secret); });
}

std::string redact_header_value(std::string_view name, std::string_view value) {
    if (!is_secret_header(name)) return std::string(value);
    if (keeps_scheme(name)) {
        const auto start = value.find_first_not_of(" \t");
        if (start != std::string_view::npos) value.remove_prefix(start);
        const auto space = value.find_first_of(" \t");
        // A scheme is a token followed by credentials; a bare value is all credential.
        if (space != std::string_view::npos && is_token(value.substr(0, space)))
            return std::string(value.substr(0, space)) + " " + std::string(kRedacted);
    }
    return std::string(kRedacted);
}

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
            if (equals == std::string_view::npos) out.append(param);
            else out.append(param.substr(0, equals + 1)).append(kRedacted);
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
