#include "protocols/tls/library.h"

#include "egresswatch/abi.h"

namespace egresswatch {
namespace {

struct FunctionSpec {
    const char* symbol;
    std::uint32_t op;
    TlsProbeRole role;
    bool required;
};

struct LibrarySpec {
    TlsLibraryKind kind;
    std::vector<FunctionSpec> functions;
};

// OpenSSL's SSL_write calls an internal function, not SSL_write_ex, so probing all four
// never reports a call twice. gnutls_record_send is a thin wrapper: probing it alone
// does not see the library's own calls to gnutls_record_send2.
const std::vector<LibrarySpec>& library_specs() {
    static const std::vector<LibrarySpec> specs{
        {TlsLibraryKind::openssl,
         {{"SSL_write", EW_TLS_OP_WRITE, TlsProbeRole::call, true},
          {"SSL_read", 0, TlsProbeRole::call, true},
          {"SSL_write_ex", EW_TLS_OP_WRITE | EW_TLS_OP_RESULT_ARG, TlsProbeRole::call, false},
          {"SSL_read_ex", EW_TLS_OP_RESULT_ARG, TlsProbeRole::call, false},
          {"SSL_free", 0, TlsProbeRole::session_free, false}}},
        {TlsLibraryKind::gnutls,
         {{"gnutls_record_send", EW_TLS_OP_WRITE, TlsProbeRole::call, true},
          {"gnutls_record_recv", 0, TlsProbeRole::call, true},
          {"gnutls_deinit", 0, TlsProbeRole::session_free, false}}},
    };
    return specs;
}

}  // namespace

std::string_view tls_library_name(TlsLibraryKind kind) {
    switch (kind) {
    case TlsLibraryKind::openssl: return "openssl";
    case TlsLibraryKind::gnutls: return "gnutls";
    case TlsLibraryKind::go: return "go";
    }
    return "unknown";
}

std::optional<TlsLibraryKind> tls_library_from_abi(std::uint8_t library) {
    switch (library) {
    case EW_TLS_LIB_OPENSSL: return TlsLibraryKind::openssl;
    case EW_TLS_LIB_GNUTLS: return TlsLibraryKind::gnutls;
    case EW_TLS_LIB_GO: return TlsLibraryKind::go;
    default: return std::nullopt;
    }
}

std::uint64_t go_tls_cookie(bool write) {
    return (write ? EW_TLS_OP_WRITE : 0) | (std::uint64_t{EW_TLS_LIB_GO} << EW_TLS_OP_LIBRARY_SHIFT);
}

const std::set<std::string>& tls_function_names() {
    static const std::set<std::string> names = [] {
        std::set<std::string> out;
        for (const LibrarySpec& lib : library_specs())
            for (const FunctionSpec& f : lib.functions) out.insert(f.symbol);
        return out;
    }();
    return names;
}

std::optional<TlsLibraryPlan> plan_tls_probes(const std::map<std::string, std::uint64_t>& functions) {
    for (const LibrarySpec& lib : library_specs()) {
        TlsLibraryPlan plan{lib.kind, {}};
        bool complete = true;
        for (const FunctionSpec& f : lib.functions) {
            auto it = functions.find(f.symbol);
            if (it == functions.end()) {
                complete = complete && !f.required;
                continue;
            }
            std::uint64_t cookie = f.op | (static_cast<std::uint64_t>(lib.kind) << EW_TLS_OP_LIBRARY_SHIFT);
            plan.probes.push_back(TlsProbe{f.symbol, it->second, cookie, f.role});
        }
        if (complete) return plan;
    }
    return std::nullopt;
}

const std::vector<std::string_view>& tls_not_covered() {
    static const std::vector<std::string_view> runtimes{"Go crypto/tls before Go 1.18 or not on amd64", "Java JSSE",
                                                        "rustls", "NSS (Firefox)",
                                                        "statically linked OpenSSL without exported symbols"};
    return runtimes;
}

}  // namespace egresswatch
