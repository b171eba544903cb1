#include "allowlist/public_suffix.h"

#include <libpsl.h>

namespace egresswatch {

bool is_public_suffix(const std::string& domain) {
    // The built-in list is compiled into libpsl: nothing to load, no file to miss.
    const psl_ctx_t* list = psl_builtin();
    return list && psl_is_public_suffix2(list, domain.c_str(), PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE) == 1;
}

}  // namespace egresswatch
