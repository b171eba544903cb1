#include "system/go_binary.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <cstring>
#include <map>

#include "system/capstone_library.h"
#include "system/elf_file.h"
#include "system/go_pclntab.h"

namespace egresswatch {
namespace {

constexpr const char* kWrite = "crypto/tls.(*Conn).Write";
constexpr const char* kRead = "crypto/tls.(*Conn).Read";
constexpr const char* kClose = "crypto/tls.(*Conn).Close";
// A function this large is not the one wanted: a bound on what is disassembled.
constexpr std::uint64_t kMaxFunctionBytes = 1 << 20;

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

// The two functions, from the ELF symbol table.
std::map<std::string, GoAddressRange> functions_in_symtab(Elf* elf, Elf_Scn* symtab) {
    std::map<std::string, GoAddressRange> out;
    GElf_Shdr sh;
    if (!gelf_getshdr(symtab, &sh)) return out;
    Elf_Data* symbols = elf_getdata(symtab, nullptr);
    std::size_t count = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
    for (std::size_t i = 0; symbols && i < count && out.size() < 3; ++i) {
        GElf_Sym sym;
        if (!gelf_getsym(symbols, static_cast<int>(i), &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC) continue;
        const char* name = elf_strptr(elf, sh.sh_link, sym.st_name);
        if (name && (std::strcmp(name, kWrite) == 0 || std::strcmp(name, kRead) == 0 || std::strcmp(name, kClose) == 0))
            out[name] = {sym.st_value, sym.st_size};
    }
    return out;
}

// The file offsets of every RET in the code at `code`, which starts at file offset `offset`
// and virtual address `address`; nullopt with `error` when capstone cannot be had.
std::optional<std::vector<std::uint64_t>> find_returns(const std::uint8_t* code, std::size_t size,
                                                       std::uint64_t address, std::uint64_t offset,
                                                       std::string& error) {
    const CapstoneLibrary* cs = CapstoneLibrary::get(error);
    if (!cs) return std::nullopt;
    // An open handle and its one instruction buffer, both given back on every way out.
    struct Disassembler {
        const CapstoneLibrary* cs;
        csh handle = 0;
        cs_insn* insn = nullptr;
        ~Disassembler() {
            if (insn) cs->free(insn, 1);
            if (handle) cs->close(&handle);
        }
    } d{cs};
    if (cs->open(CS_ARCH_X86, CS_MODE_64, &d.handle) != CS_ERR_OK || !(d.insn = cs->malloc(d.handle))) {
        error = "capstone cannot disassemble x86-64 here";
        return std::nullopt;
    }
    cs_insn* insn = d.insn;
    std::vector<std::uint64_t> returns;
    const std::uint8_t* at = code;
    std::uint64_t pc = address;
    while (size > 0) {
        if (!cs->disasm_iter(d.handle, &at, &size, &pc, insn)) {
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
    ElfFile file(path, ELF_C_READ);
    Elf* elf = file.get();
    std::size_t names = 0;
    if (!elf || elf_kind(elf) != ELF_K_ELF || elf_getshdrstrndx(elf, &names) != 0) return result;
    GElf_Ehdr header;
    if (!gelf_getehdr(elf, &header)) return result;

    Elf_Scn *symtab = nullptr, *pclntab = nullptr;
    std::uint64_t text_address = 0;
    std::vector<std::pair<GElf_Shdr, Elf_Scn*>> sections;
    std::string version;
    for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn; scn = elf_nextscn(elf, scn)) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh)) continue;
        const char* name = elf_strptr(elf, names, sh.sh_name);
        if (!name) continue;
        if (std::strcmp(name, ".go.buildinfo") == 0) {
            result.go = true;
            version = go_build_version(section_bytes(scn));
        } else if (std::strcmp(name, ".gopclntab") == 0 || std::strcmp(name, ".data.rel.ro.gopclntab") == 0) {
            result.go = true;
            pclntab = scn;
        } else if (std::strcmp(name, ".text") == 0) {
            text_address = sh.sh_addr;
        } else if (sh.sh_type == SHT_SYMTAB) {
            symtab = scn;
        }
        sections.emplace_back(sh, scn);
    }
    if (!result.go) return result;
    if (header.e_machine != EM_X86_64) {
        result.problem = "not amd64: Go's register ABI is read on amd64 only";
        return result;
    }
    std::vector<std::uint8_t> table = pclntab ? section_bytes(pclntab) : std::vector<std::uint8_t>{};
    // The table's magic number says the Go release, and with it the calling convention: the
    // probes read arguments from registers, which Go passes there since 1.17. 1.16 and 1.17
    // share a magic number, so both are refused rather than 1.16 read wrong.
    if (!go_pclntab_register_abi(table)) {
        result.problem = pclntab ? "Go older than 1.18: its calling convention is not read"
                                 : "no readable .gopclntab (Go's function table)";
        return result;
    }

    auto found = symtab ? functions_in_symtab(elf, symtab)
                        : go_functions_in_pclntab(table, text_address, {kWrite, kRead, kClose});
    if (!found) {
        result.problem = "stripped, and its .gopclntab could not be read";
        return result;
    }
    GoTlsFunctions tls;
    tls.go_version = version;
    std::string disassembler_error;
    for (auto [name, f] : {std::pair{kWrite, &tls.write}, std::pair{kRead, &tls.read}, std::pair{kClose, &tls.close}}) {
        auto it = found->find(name);
        if (it == found->end() || it->second.size == 0 || it->second.size > kMaxFunctionBytes) continue;
        const GoAddressRange& range = it->second;
        // The section holding the function gives its bytes and file offset.
        for (auto& [sh, scn] : sections) {
            if (sh.sh_type != SHT_PROGBITS || range.address < sh.sh_addr ||
                range.address + range.size > sh.sh_addr + sh.sh_size)
                continue;
            // Only the function's bytes: .text is megabytes.
            std::vector<std::uint8_t> code(range.size);
            std::uint64_t offset = sh.sh_offset + (range.address - sh.sh_addr);
            if (::pread(file.fd(), code.data(), code.size(), static_cast<off_t>(offset)) !=
                static_cast<ssize_t>(code.size()))
                break;
            f->name = name;
            f->entry = offset;
            if (f == &tls.close) break;  // its entry is all that is probed
            if (auto returns = find_returns(code.data(), code.size(), range.address, f->entry, disassembler_error))
                f->returns = *returns;
            break;
        }
    }
    if (tls.write.name.empty() || tls.read.name.empty()) {
        result.tls_absent = true;
        result.problem = "no crypto/tls.(*Conn).Write and Read: the program does not use Go's TLS";
        return result;
    }
    if (tls.write.returns.empty() || tls.read.returns.empty()) {
        result.problem = disassembler_error.empty() ? "no return instruction found in crypto/tls.(*Conn).Write or Read"
                                                    : disassembler_error;
        return result;
    }
    result.tls = std::move(tls);
    return result;
}

}  // namespace egresswatch
