#include "system/go_binary.h"

#include <capstone/capstone.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <cstring>
#include <memory>

namespace egresswatch {
namespace {

constexpr const char* kWrite = "crypto/tls.(*Conn).Write";
constexpr const char* kRead = "crypto/tls.(*Conn).Read";
// A function this large is not the one wanted: a bound on what is disassembled.
constexpr std::uint64_t kMaxFunctionBytes = 1 << 20;

struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};
struct ElfHandle {
    Elf* elf;
    ~ElfHandle() {
        if (elf) elf_end(elf);
    }
};

std::vector<std::uint8_t> section_bytes(Elf_Scn* scn) {
    std::vector<std::uint8_t> out;
    if (Elf_Data* data = elf_getdata(scn, nullptr); data && data->d_buf)
        out.assign(static_cast<const std::uint8_t*>(data->d_buf),
                   static_cast<const std::uint8_t*>(data->d_buf) + data->d_size);
    return out;
}

// Go's varint (unsigned LEB128), as the build info writes string lengths.
std::optional<std::uint64_t> uvarint(const std::vector<std::uint8_t>& bytes, std::size_t& at) {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64 && at < bytes.size(); shift += 7) {
        std::uint8_t b = bytes[at++];
        value |= std::uint64_t{b & 0x7fu} << shift;
        if (!(b & 0x80)) return value;
    }
    return std::nullopt;
}

// The file offsets of every RET in the code at `code`, which starts at file offset `offset`
// and virtual address `address`.
std::optional<std::vector<std::uint64_t>> find_returns(const std::uint8_t* code, std::size_t size,
                                                       std::uint64_t address, std::uint64_t offset) {
    csh handle;
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK) return std::nullopt;
    std::unique_ptr<csh, void (*)(csh*)> closer(&handle, [](csh* h) { cs_close(h); });
    cs_insn* insn = cs_malloc(handle);
    if (!insn) return std::nullopt;
    std::unique_ptr<cs_insn, void (*)(cs_insn*)> freer(insn, [](cs_insn* i) { cs_free(i, 1); });
    std::vector<std::uint64_t> returns;
    const std::uint8_t* at = code;
    std::uint64_t pc = address;
    while (size > 0) {
        if (!cs_disasm_iter(handle, &at, &size, &pc, insn)) {
            // Padding or data between functions: skip a byte, as a linear sweep must.
            ++at;
            --size;
            ++pc;
            continue;
        }
        if (insn->id == X86_INS_RET) returns.push_back(insn->address - address + offset);
    }
    return returns;
}

}  // namespace

std::string go_build_version(const std::vector<std::uint8_t>& buildinfo) {
    static const char kMagic[] = "\xff Go buildinf:";
    constexpr std::size_t kHeader = 32;
    if (buildinfo.size() < kHeader || std::memcmp(buildinfo.data(), kMagic, 14) != 0) return "";
    // Go 1.18+: flags bit 1 says the version and module strings follow the header inline.
    if (!(buildinfo[15] & 0x2)) return "";
    std::size_t at = kHeader;
    auto length = uvarint(buildinfo, at);
    if (!length || *length > 64 || at + *length > buildinfo.size()) return "";
    return std::string(buildinfo.begin() + static_cast<std::ptrdiff_t>(at),
                       buildinfo.begin() + static_cast<std::ptrdiff_t>(at + *length));
}

GoInspection inspect_go_binary(const std::string& path) {
    GoInspection result;
    Fd fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (fd.fd < 0 || elf_version(EV_CURRENT) == EV_NONE) return result;
    ElfHandle elf{elf_begin(fd.fd, ELF_C_READ, nullptr)};
    std::size_t names = 0;
    if (!elf.elf || elf_kind(elf.elf) != ELF_K_ELF || elf_getshdrstrndx(elf.elf, &names) != 0) return result;

    Elf_Scn* symtab = nullptr;
    std::vector<std::pair<GElf_Shdr, Elf_Scn*>> sections;
    std::string version;
    for (Elf_Scn* scn = elf_nextscn(elf.elf, nullptr); scn; scn = elf_nextscn(elf.elf, scn)) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh)) continue;
        const char* name = elf_strptr(elf.elf, names, sh.sh_name);
        if (!name) continue;
        if (std::strcmp(name, ".go.buildinfo") == 0) {
            result.go = true;
            version = go_build_version(section_bytes(scn));
        } else if (std::strcmp(name, ".gopclntab") == 0) {
            result.go = true;
        } else if (sh.sh_type == SHT_SYMTAB) {
            symtab = scn;
        }
        sections.emplace_back(sh, scn);
    }
    if (!result.go) return result;
    if (!symtab) {
        result.problem = "stripped: no symbol table (reading .gopclntab is not done yet)";
        return result;
    }
    GElf_Shdr symtab_header;
    gelf_getshdr(symtab, &symtab_header);
    Elf_Data* symbols = elf_getdata(symtab, nullptr);
    std::size_t count = symtab_header.sh_entsize ? symtab_header.sh_size / symtab_header.sh_entsize : 0;
    GoTlsFunctions tls;
    tls.go_version = version;
    int found = 0;
    for (std::size_t i = 0; symbols && i < count && found < 2; ++i) {
        GElf_Sym sym;
        if (!gelf_getsym(symbols, static_cast<int>(i), &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC) continue;
        const char* name = elf_strptr(elf.elf, symtab_header.sh_link, sym.st_name);
        if (!name || (std::strcmp(name, kWrite) != 0 && std::strcmp(name, kRead) != 0)) continue;
        GoFunction& f = std::strcmp(name, kWrite) == 0 ? tls.write : tls.read;
        if (sym.st_size == 0 || sym.st_size > kMaxFunctionBytes) continue;
        // The section holding the function gives its bytes and file offset.
        for (auto& [sh, scn] : sections) {
            if (sh.sh_type != SHT_PROGBITS || sym.st_value < sh.sh_addr ||
                sym.st_value + sym.st_size > sh.sh_addr + sh.sh_size)
                continue;
            std::vector<std::uint8_t> text = section_bytes(scn);
            std::uint64_t start = sym.st_value - sh.sh_addr;
            if (start + sym.st_size > text.size()) break;
            f.name = name;
            f.entry = sh.sh_offset + start;
            if (auto returns = find_returns(text.data() + start, sym.st_size, sym.st_value, f.entry))
                f.returns = *returns;
            ++found;
            break;
        }
    }
    if (tls.write.name.empty() || tls.read.name.empty()) {
        result.problem = "no crypto/tls.(*Conn).Write and Read: the program does not use Go's TLS";
        return result;
    }
    if (tls.write.returns.empty() || tls.read.returns.empty()) {
        result.problem = "no return instruction found in crypto/tls.(*Conn).Write or Read";
        return result;
    }
    result.tls = std::move(tls);
    return result;
}

}  // namespace egresswatch
