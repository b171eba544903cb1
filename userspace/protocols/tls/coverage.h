#pragma once
// Why an HTTPS connection's requests were not seen, said from what its process runs: the
// statement every TLS connection ends with (a tls_end record), so that a request list is
// never silently incomplete.

#include <string>
#include <string_view>
#include <vector>

namespace egresswatch {

// What is known of the process that made a TLS connection, read while it runs.
struct TlsRuntime {
    std::string exe;                  // the path it runs, as the process sees it
    bool go = false;                  // a Go binary (it has Go's build info or pc-line table)
    std::vector<std::string> mapped;  // the files it has mapped executable
    bool known = false;               // false: the process was gone before it could be read
    bool go_probed = false;           // go, and its crypto/tls can be probed
};

// The reason no request of such a connection was read from plaintext:
//   "not-probed: go"         Go's crypto/tls is in the binary, where it cannot be probed
//                            (no readable function table, Go older than 1.18, not amd64)
//   "not-seen: go"           probed, but none of the connection's calls were seen (a process
//                            started by another was probed from its exec on, after it began)
//   "not-covered: java"      Java's TLS (JSSE) is Java code
//   "not-covered: nss"       NSS (Firefox, some curl builds) is not probed
//   "not-seen: openssl"      a probed library is mapped, but none of this connection's calls
//   "not-seen: gnutls"       were seen (the connection began before the library was probed,
//                            or its TLS went through another library)
//   "not-covered: unknown"   no TLS library egresswatch knows (rustls, a static OpenSSL)
//   "process-gone"           the process exited before it could be looked at
std::string tls_not_visible_reason(const TlsRuntime& runtime);

// A reason in words, for the summary: "Go's crypto/tls is not probed".
std::string tls_not_visible_explanation(std::string_view reason);

}  // namespace egresswatch
