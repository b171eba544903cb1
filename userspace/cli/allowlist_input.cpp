#include "cli/allowlist_input.h"

#include <spdlog/spdlog.h>

#include "allowlist/allowlist_loader.h"

namespace egresswatch {

Allowlist read_allowlist_input(const std::string& path) {
    Allowlist list = load_allowlist_file(path);
    for (const std::string& warning : list.warnings) spdlog::warn("{}", warning);
    return list;
}

}  // namespace egresswatch
