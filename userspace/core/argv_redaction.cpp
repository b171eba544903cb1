#include "core/argv_redaction.h"

#include "core/redaction.h"

namespace egresswatch {

std::string redact_argument(std::string_view argument) {
    // A URL may follow an option name: --url=https://... or -dhttps://...
    if (auto scheme = argument.find("://"); scheme != std::string_view::npos) {
        std::size_t start = argument.find_last_of("= ", scheme);
        start = start == std::string_view::npos ? 0 : start + 1;
        return std::string(argument.substr(0, start)) + redact_target(argument.substr(start));
    }
    if (auto colon = argument.find(':'); colon != std::string_view::npos && colon > 0) {
        std::string_view name = argument.substr(0, colon);
        if (name.find_first_of(" \t") == std::string_view::npos && is_secret_header(name)) {
            std::string_view value = argument.substr(colon + 1);
            std::size_t lead = value.find_first_not_of(' ');
            value = lead == std::string_view::npos ? std::string_view() : value.substr(lead);
            return std::string(name) + ": " + redact_header_value(name, value);
        }
    }
    return std::string(argument);
}

void redact_argv(std::vector<std::string>& argv) {
    for (std::string& arg : argv)
        if (arg.find("://") != std::string::npos || arg.find(':') != std::string::npos) arg = redact_argument(arg);
}

}  // namespace egresswatch
