#include "system/elf_symbols.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <vector>

#include "system/elf_file.h"

namespace egresswatch {
namespace {

// A symbol's value is a virtual address; uprobes want the offset in the file, which the
// loadable segment containing the address gives.
std::optional<std::uint64_t> file_offset(const std::vector<GElf_Phdr>& segments, std::uint64_t address) {
    for (const GElf_Phdr& ph : segments)
        if (ph.p_type == PT_LOAD && address >= ph.p_vaddr && address < ph.p_vaddr + ph.p_memsz)
            return address - ph.p_vaddr + ph.p_offset;
    return std::nullopt;
}

void collect(Elf* elf, Elf64_Word section_type, const std::vector<GElf_Phdr>& segments,
             const std::set<std::string>& wanted, std::map<std::string, std::uint64_t>& found) {
    Elf_Scn* scn = nullptr;
    while ((scn = elf_nextscn(elf, scn)) != nullptr) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != section_type || sh.sh_entsize == 0) continue;
        Elf_Data* data = elf_getdata(scn, nullptr);
        if (!data) continue;
        std::size_t count = sh.sh_size / sh.sh_entsize;
        for (std::size_t i = 0; i < count && found.size() < wanted.size(); ++i) {
            GElf_Sym sym;
            if (!gelf_getsym(data, static_cast<int>(i), &sym)) continue;
            if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx == SHN_UNDEF || sym.st_value == 0) continue;
            const char* name = elf_strptr(elf, sh.sh_link, sym.st_name);
            if (!name || !wanted.contains(name) || found.contains(name)) continue;
            if (auto offset = file_offset(segments, sym.st_value)) found.emplace(name, *offset);
        }
    }
}

}  // namespace

std::optional<std::map<std::string, std::uint64_t>> find_functions(const std::string& path,
                                                                   const std::set<std::string>& wanted) {
    ElfFile file(path, ELF_C_READ_MMAP);
    Elf* elf = file.get();
    if (!elf || elf_kind(elf) != ELF_K_ELF) return std::nullopt;

    std::size_t phnum = 0;
    if (elf_getphdrnum(elf, &phnum) != 0) return std::nullopt;
    std::vector<GElf_Phdr> segments;
    for (std::size_t i = 0; i < phnum; ++i) {
        GElf_Phdr ph;
        if (gelf_getphdr(elf, static_cast<int>(i), &ph)) segments.push_back(ph);
    }

    std::map<std::string, std::uint64_t> found;
    collect(elf, SHT_DYNSYM, segments, wanted, found);
    if (found.size() < wanted.size()) collect(elf, SHT_SYMTAB, segments, wanted, found);
    return found;
}

}  // namespace egresswatch
