#pragma once
// The pieces of an HTTP request target (RFC 9112 3.2), as views into it. Shared by the HTTP
// parser (which needs the authority) and redaction (which rewrites the rest).

#include <optional>
#include <string_view>

namespace egresswatch {

struct RequestTargetParts {
    bool absolute = false;                     // scheme "://" authority ...
    std::string_view scheme;                   // absolute-form only
    std::optional<std::string_view> userinfo;  // absolute-form "user:pw@" part, without the '@'
    std::string_view host_port;                // absolute-form authority without userinfo
    std::string_view path;                     // origin-form: everything before '?' / '#'
    std::optional<std::string_view> query;     // after '?', before '#'
    std::optional<std::string_view> fragment;
};

RequestTargetParts split_request_target(std::string_view target);

}  // namespace egresswatch
