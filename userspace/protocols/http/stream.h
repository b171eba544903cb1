#pragma once
// Back-to-back HTTP/1.x messages in one captured buffer (keep-alive, pipelining).

#include <string_view>
#include <vector>

#include "protocols/http/message.h"

namespace egresswatch {

// Successive heads, bodies skipped by Content-Length. Stops after a chunked or (responses)
// unbounded body, at a malformed head, or at an incomplete head, which is included with its
// partial fields if its start line is whole.
std::vector<HttpRequest> parse_http_requests(std::string_view data);
std::vector<HttpResponse> parse_http_responses(std::string_view data);

}  // namespace egresswatch
