#include "system/go_pclntab.h"

#include <cstring>

namespace egresswatch {
namespace {

template <typename T>
T read_le(const std::uint8_t* at) {
    T value;
    std::memcpy(&value, at, sizeof(value));  // amd64 is little-endian, as the file is
    return value;
}

// .gopclntab's magic numbers: the Go 1.18 layout, and 1.20's (the same fields).
constexpr std::uint32_t kPclntabGo118 = 0xfffffff0;
constexpr std::uint32_t kPclntabGo120 = 0xfffffff1;

}  // namespace

bool go_pclntab_register_abi(const std::vector<std::uint8_t>& table) {
    if (table.size() < 4) return false;
    std::uint32_t magic = read_le<std::uint32_t>(table.data());
    return magic == kPclntabGo118 || magic == kPclntabGo120;
}

// Layout of Go 1.18+ (runtime/symtab.go): a header
// (magic, pads, minLC, ptrSize, then nfunc, nfiles, textStart, funcnameOffset, cuOffset,
// filetabOffset, pctabOffset, pclnOffset as words); at pclnOffset, nfunc+1 pairs of uint32
// (entry offset from textStart, offset of the function's _func record), the last giving the
// end of text; each _func begins with its entry offset and the offset of its name in the
// name table. Every offset is bounds-checked: the file may be hostile.
std::optional<std::map<std::string, GoAddressRange>> go_functions_in_pclntab(const std::vector<std::uint8_t>& table,
                                                                             std::uint64_t text_address,
                                                                             const std::set<std::string>& wanted) {
    std::map<std::string, GoAddressRange> out;
    constexpr std::size_t kHeader = 72;
    if (table.size() < kHeader || table[7] != 8) return std::nullopt;
    auto word = [&](std::size_t index) { return read_le<std::uint64_t>(table.data() + 8 + 8 * index); };
    std::uint64_t nfunc = word(0), text_start = word(2), names = word(3), functions = word(7);
    // A position-independent binary leaves textStart for the loader to relocate: zero in the
    // file, where .text's own address serves.
    if (text_start == 0) text_start = text_address;
    if (names >= table.size() || functions >= table.size() || nfunc >= (table.size() - functions) / 8)
        return std::nullopt;
    const std::uint8_t* ftab = table.data() + functions;
    for (std::uint64_t i = 0; i < nfunc && out.size() < wanted.size(); ++i) {
        std::uint32_t entry = read_le<std::uint32_t>(ftab + 8 * i);
        std::uint32_t next = read_le<std::uint32_t>(ftab + 8 * (i + 1));
        std::uint64_t record = functions + read_le<std::uint32_t>(ftab + 8 * i + 4);
        if (record + 8 > table.size() || next <= entry) continue;
        std::uint64_t name_at = names + read_le<std::uint32_t>(table.data() + record + 4);
        if (name_at >= table.size()) continue;
        const char* name = reinterpret_cast<const char*>(table.data() + name_at);
        std::size_t room = table.size() - name_at;
        if (strnlen(name, room) == room) continue;
        if (wanted.count(name)) out[name] = {text_start + entry, std::uint64_t{next} - entry};
    }
    return out;
}

}  // namespace egresswatch
