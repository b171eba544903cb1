#pragma once
// One HTTP/1.x response head.

#include <string_view>

#include "protocols/http/message.h"

namespace egresswatch {

// Bare LF line ends are accepted. malformed: a bad start line, conflicting Content-Length, or a
// line or head over the limits in message.h; a bad header line (control bytes, obs-fold, no
// colon, a bad name) only sets the message's `malformed`. need_more when the head is cut off:
// fields from the complete lines (start line, whole header lines) are filled anyway, since
// captures are bounded and callers use partial heads.
HttpResponseResult parse_http_response(std::string_view data);

// Starts with "HTTP/1.".
bool looks_like_http_response(std::string_view first_bytes);

}  // namespace egresswatch
