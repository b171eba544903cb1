#pragma once
// Where a Go binary's crypto/tls plaintext passes: the entry and every return instruction of
// crypto/tls.(*Conn).Write and (*Conn).Read, as file offsets for uprobes (and the entry of
// (*Conn).Close, where a connection's session ends). Go moves goroutine
// stacks, so a uretprobe (which rewrites the return address on the stack) corrupts a Go
// program: the returns are probed one by one instead, found by disassembling the function
// (capstone), never by scanning for a 0xc3 byte, which also occurs inside other instructions.
// The functions are found in the symbol table, or in a stripped binary in .gopclntab, Go's own
// function table. Go 1.18+ on amd64 only: the probes read the register ABI.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace egresswatch {

struct GoFunction {
    std::string name;
    std::uint64_t entry = 0;             // file offset of the first instruction
    std::vector<std::uint64_t> returns;  // file offsets of each RET
};

struct GoTlsFunctions {
    std::string go_version;  // "go1.19.8", from the build info
    GoFunction write, read;
    GoFunction close;  // its entry only; name empty if the binary has none (it is inlined away)
};

struct GoInspection {
    bool go = false;                    // the file is a Go binary
    std::optional<GoTlsFunctions> tls;  // set when both functions were found
    bool tls_absent = false;            // readable, and crypto/tls is not linked in: nothing to miss
    std::string problem;                // why not, when go and no tls: in words
};

// Reads the ELF file at path. Never throws.
GoInspection inspect_go_binary(const std::string& path);

// The Go version in a .go.buildinfo section's bytes (Go 1.18+ layout), or "".
std::string go_build_version(const std::vector<std::uint8_t>& buildinfo);

}  // namespace egresswatch
