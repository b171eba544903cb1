#pragma once
// Keeping secrets out of what egresswatch writes: credentials travel in headers, URLs and
// command lines, and reports and event logs get shared far more widely than the traffic
// itself. HTTP request targets here; free text (argv, header values) in text_redaction.h.

#include <string>
#include <string_view>

namespace egresswatch {

inline constexpr std::string_view kRedacted = "REDACTED";

// Every query value becomes REDACTED, keys kept (/a?x=1&y=&z -> /a?x=REDACTED&y=REDACTED&z);
// the fragment is dropped; userinfo of an absolute-form target is replaced
// (http://user:pw@h/ -> http://REDACTED@h/).
std::string redact_target(std::string_view target);

// The target without query and fragment, and without scheme://authority for absolute-form
// ("/" when an absolute-form target has no path). A view into `target`.
std::string_view path_of(std::string_view target);

}  // namespace egresswatch
