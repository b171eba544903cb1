// libFuzzer target: Go's function table parser (system/go_pclntab.cpp) over arbitrary bytes, as
// a hostile binary's .gopclntab would hand it.

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "system/go_pclntab.h"

using namespace egresswatch;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::vector<std::uint8_t> table(data, data + size);
    go_pclntab_register_abi(table);
    auto found = go_functions_in_pclntab(table, 0x401000, {"crypto/tls.(*Conn).Write", "crypto/tls.(*Conn).Read"});
    if (found)
        for (const auto& [name, range] : *found)
            if (range.size == 0 || range.size > 0xffffffffULL) std::abort();
    return 0;
}
