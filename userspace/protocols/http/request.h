#pragma once
// One HTTP/1.x request head.

#include <string_view>

#include "protocols/http/message.h"

namespace egresswatch {

// Bare LF line ends are accepted. malformed: a bad start line, conflicting Content-Length, or a
// line or head over the limits in message.h; a bad header line (control bytes, obs-fold, no
// colon, a bad name) only sets the message's `malformed`. need_more when the head is cut off:
// fields from the complete lines (start line, whole header lines) are filled anyway, since
// captures are bounded and callers use partial heads.
HttpRequestResult parse_http_request(std::string_view data);

// A known method (GET HEAD POST PUT DELETE OPTIONS PATCH CONNECT TRACE) followed by a space.
bool looks_like_http_request(std::string_view first_bytes);

}  // namespace egresswatch
