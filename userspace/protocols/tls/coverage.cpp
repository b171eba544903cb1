#include "protocols/tls/coverage.h"

#include <algorithm>

namespace egresswatch {
namespace {

std::string_view basename_of(std::string_view path) {
    auto slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool maps(const TlsRuntime& runtime, std::string_view prefix) {
    return std::any_of(runtime.mapped.begin(), runtime.mapped.end(),
                       [&](const std::string& path) { return basename_of(path).starts_with(prefix); });
}

}  // namespace

std::string tls_not_visible_reason(const TlsRuntime& runtime) {
    if (!runtime.known) return "process-gone";
    if (runtime.go) return runtime.go_probed ? "not-seen: go" : "not-probed: go";
    if (basename_of(runtime.exe) == "java" || maps(runtime, "libjvm.so")) return "not-covered: java";
    if (maps(runtime, "libssl.so")) return "not-seen: openssl";
    if (maps(runtime, "libgnutls.so")) return "not-seen: gnutls";
    if (maps(runtime, "libnss3.so")) return "not-covered: nss";
    return "not-covered: unknown";
}

std::string tls_not_visible_explanation(std::string_view reason) {
    if (reason == "not-probed: go")
        return "Go's crypto/tls could not be probed in it: no readable function table, or Go older than 1.18";
    if (reason == "not-covered: java") return "Java TLS is not covered";
    if (reason == "not-covered: nss") return "NSS is not covered";
    if (reason == "not-covered: unknown") return "its TLS is in no library egresswatch reads, such as rustls";
    if (reason == "process-gone") return "the process exited before its TLS library could be known";
    if (reason.starts_with("not-seen: "))
        return std::string(reason.substr(10)) +
               " is probed, but none of the connection's calls were seen: it began before the probe, or used "
               "another library";
    return std::string(reason);
}

}  // namespace egresswatch
