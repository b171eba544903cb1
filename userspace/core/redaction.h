#pragma once
// Keeping secrets out of what egresswatch writes: credentials travel in a few headers and in
// URLs, and reports and event logs get shared far more widely than the traffic itself.

#include <string>
#include <string_view>

namespace egresswatch {

inline constexpr std::string_view kRedacted = "REDACTED";

// authorization, proxy-authorization, cookie, set-cookie, x-api-key, x-auth-token, and a few
// more well-known token headers (registry, cloud and CI tokens); case-insensitive.
bool is_secret_header(std::string_view name);

// A secret header's value becomes "REDACTED", except that Authorization and
// Proxy-Authorization keep their scheme ("Bearer REDACTED"): which kind of credential was sent
// is useful and not itself secret. Other headers are returned unchanged.
std::string redact_header_value(std::string_view name, std::string_view value);

// Every query value becomes REDACTED, keys kept (/a?x=1&y=&z -> /a?x=REDACTED&y=REDACTED&z);
// the fragment is dropped; userinfo of an absolute-form target is replaced
// (http://user:pw@h/ -> http://REDACTED@h/).
std::string redact_target(std::string_view target);

// The target without query and fragment, and without scheme://authority for absolute-form
// ("/" when an absolute-form target has no path). A view into `target`.
std::string_view path_of(std::string_view target);

}  // namespace egresswatch
