#pragma once
// Which TLS libraries egresswatch reads plaintext from, and which of their functions it
// probes: the OpenSSL API (OpenSSL 1.1 and 3, BoringSSL; shared libssl or linked into an
// executable that exports it, as node does) and GnuTLS.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace egresswatch {

enum class TlsLibraryKind : std::uint8_t { openssl = 1, gnutls = 2, go = 3 };  // == enum ew_tls_library

std::string_view tls_library_name(TlsLibraryKind kind);
std::optional<TlsLibraryKind> tls_library_from_abi(std::uint8_t library);

enum class TlsProbeRole : std::uint8_t {
    call,          // entry and return: a write or read of plaintext
    session_free,  // entry: the session object is about to be freed
};

struct TlsProbe {
    std::string symbol;
    std::uint64_t offset = 0;  // in the file
    std::uint64_t cookie = 0;  // EW_TLS_OP_* and the library, for the BPF program
    TlsProbeRole role = TlsProbeRole::call;
};

struct TlsLibraryPlan {
    TlsLibraryKind kind;
    std::vector<TlsProbe> probes;
};

// Every function name plan_tls_probes may use: what to look up in an ELF file.
const std::set<std::string>& tls_function_names();

// The probes for a file that defines 'functions' (name -> file offset), or nullopt if it
// is not a TLS library egresswatch knows: a write and a read function are both needed.
std::optional<TlsLibraryPlan> plan_tls_probes(const std::map<std::string, std::uint64_t>& functions);

// The attach cookie of Go's crypto/tls.(*Conn).Write (write) or Read, whose probes are placed
// from the binary's own code (system/go_binary.h), not from a symbol list.
std::uint64_t go_tls_cookie(bool write);

// Runtimes whose TLS is not in a library egresswatch probes: their connections are named
// by SNI only. Shown by doctor and docs/https.md.
const std::vector<std::string_view>& tls_not_covered();

}  // namespace egresswatch
