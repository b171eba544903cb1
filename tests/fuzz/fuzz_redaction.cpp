// The free-text redaction engine on arbitrary input: as text, as an argv split at NUL bytes
// (as /proc/PID/cmdline holds one) and as a header value. Beyond no crash and no sanitizer
// report, redacting what was already redacted must change nothing: a rule that fires on its
// own output would eat the text around a credential a little more at every pass.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "redaction/text_redaction.h"

using namespace egresswatch;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    bool cut = size > 0 && (data[0] & 1);
    std::string_view text(reinterpret_cast<const char*>(data), size);

    std::string once = redact_text(text, cut);
    if (redact_text(once, cut) != once) std::abort();

    std::vector<std::string> argv;
    for (std::size_t start = 0; start <= text.size();) {
        std::size_t nul = text.find('\0', start);
        argv.emplace_back(text.substr(start, nul == std::string_view::npos ? std::string_view::npos : nul - start));
        if (nul == std::string_view::npos) break;
        start = nul + 1;
    }
    redact_argv(argv, cut);
    std::vector<std::string> again = argv;
    redact_argv(again, cut);
    if (again != argv) std::abort();

    std::size_t colon = text.find(':');
    if (colon != std::string_view::npos) (void)redact_header_value(text.substr(0, colon), text.substr(colon + 1));
    return 0;
}
