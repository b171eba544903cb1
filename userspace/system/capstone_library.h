#pragma once
// Capstone, the disassembler, loaded the first time a Go program's TLS functions are
// disassembled (go_binary.h) rather than linked. Linked, its tables for every architecture it
// knows, relocated at start, took 3.1 MB of egresswatch's RSS whether a Go program ran or not
// (bench/soak.sh, /proc/PID/smaps); loaded, a host without Go programs never pays it.

#include <capstone/capstone.h>

#include <string>

namespace egresswatch {

struct CapstoneLibrary {
    // The library, loaded once; nullptr when it cannot be, with `error` saying why and what to do.
    static const CapstoneLibrary* get(std::string& error);

    decltype(&::cs_open) open = nullptr;
    decltype(&::cs_close) close = nullptr;
    decltype(&::cs_malloc) malloc = nullptr;
    decltype(&::cs_free) free = nullptr;
    decltype(&::cs_disasm_iter) disasm_iter = nullptr;
};

}  // namespace egresswatch
