#pragma once
// The HTTP step of `egresswatch check`: send HEAD / and wait for a status line. Any status,
// 404 or 500 included, means an HTTP server answered at the destination, which is all an
// egress check asks.

#include <optional>
#include <string>
#include <string_view>

#include "check/net.h"

namespace egresswatch::check {

struct HttpAnswer {
    bool ok = false;
    bool timed_out = false;
    std::string status_line;  // "HTTP/1.1 200 OK" (ok)
    std::string error;        // why not (not ok)
};

// 'host_header' is the Host header's value: the name, or the address ("[fd00::2]" for IPv6),
// with ":port" when the port is not the scheme's default.
HttpAnswer http_head(ByteStream& stream, const std::string& host_header, Deadline deadline);

// "HTTP/1.1 200 OK" from the start of a response, or nullopt if the bytes are not one.
std::optional<std::string> parse_status_line(std::string_view response_start);

}  // namespace egresswatch::check
