#pragma once
// The TLS step of `egresswatch check`, with OpenSSL: a handshake that verifies the server's
// certificate chain against the system CA store (plus --ca-file) and the name the allowlist
// gives (host name, or the IP address for address-only entries), then a stream for HTTP.

#include <memory>
#include <optional>
#include <string>

#include "check/net.h"

struct ssl_ctx_st;
struct ssl_st;

namespace egresswatch::check {

// One client configuration shared by all checks (OpenSSL allows concurrent SSL objects from
// one SSL_CTX once it is no longer modified).
class TlsClient {
public:
    // Empty ca_file: the system store only. Throws SetupError if ca_file cannot be loaded, so
    // a typo is an UNKNOWN, not every TLS destination failing.
    explicit TlsClient(const std::string& ca_file);
    ~TlsClient();
    TlsClient(const TlsClient&) = delete;
    TlsClient& operator=(const TlsClient&) = delete;
    ssl_ctx_st* context() const { return ctx_; }

private:
    ssl_ctx_st* ctx_ = nullptr;
};

struct Handshake {
    bool ok = false;
    bool timed_out = false;
    std::string error;             // "certificate verify failed: self-signed certificate", ...
    std::string version;           // "TLSv1.3"
    std::optional<int> days_left;  // leaf certificate: whole days until notAfter
};

class TlsStream : public ByteStream {
public:
    TlsStream(const TlsClient& client, int fd);
    ~TlsStream() override;
    TlsStream(const TlsStream&) = delete;
    TlsStream& operator=(const TlsStream&) = delete;

    // 'name' is sent as SNI and must match the certificate; an IP literal is matched against
    // the certificate's IP addresses and sends no SNI.
    Handshake handshake(const std::string& name, Deadline deadline);

    bool write_all(std::string_view data, Deadline deadline, std::string& error) override;
    long read_some(char* buf, std::size_t size, Deadline deadline, std::string& error) override;

private:
    // Waits for what OpenSSL asked for after a call returned r; false when that is not a retry.
    bool wait_retry(int r, Deadline deadline, std::string& error, bool& timed_out);
    ssl_st* ssl_ = nullptr;
    int fd_;
};

}  // namespace egresswatch::check
