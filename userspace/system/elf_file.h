#pragma once
// An ELF file opened for reading with libelf, closed (and its descriptor with it) at scope
// exit: what elf_symbols and go_binary both read.

#include <fcntl.h>
#include <libelf.h>

#include <string>

#include "base/unique_fd.h"

namespace egresswatch {

class ElfFile {
public:
    // cmd: ELF_C_READ, or ELF_C_READ_MMAP to map the file instead of reading it.
    ElfFile(const std::string& path, Elf_Cmd cmd) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
        if (fd_.get() >= 0 && elf_version(EV_CURRENT) != EV_NONE) elf_ = elf_begin(fd_.get(), cmd, nullptr);
    }
    ~ElfFile() {
        if (elf_) elf_end(elf_);
    }
    ElfFile(const ElfFile&) = delete;
    ElfFile& operator=(const ElfFile&) = delete;

    // Null if the file could not be opened or libelf refused it.
    Elf* get() const { return elf_; }
    int fd() const { return fd_.get(); }

private:
    UniqueFd fd_;
    Elf* elf_ = nullptr;
};

}  // namespace egresswatch
