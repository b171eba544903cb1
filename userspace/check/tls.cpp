#include "check/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>

#include <cerrno>
#include <cstring>

#include "base/errors.h"

namespace egresswatch::check {
namespace {

// The most specific reason OpenSSL queued, without its "error:0A000086:SSL routines::" prefix.
std::string openssl_reason() {
    unsigned long code = 0, e;
    while ((e = ERR_get_error()) != 0) code = e;
    if (code == 0) return "";
    const char* reason = ERR_reason_error_string(code);
    if (reason) return reason;
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    return buf;
}

std::optional<int> days_until_expiry(ssl_st* ssl) {
    X509* cert = SSL_get0_peer_certificate(ssl);
    if (!cert) return std::nullopt;
    int days = 0, secs = 0;
    if (ASN1_TIME_diff(&days, &secs, nullptr, X509_get0_notAfter(cert)) != 1) return std::nullopt;
    return days;
}

}  // namespace

TlsClient::TlsClient(const std::string& ca_file) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (!ctx_) throw SetupError("OpenSSL cannot create a TLS client context: " + openssl_reason());
    SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    // Servers that close after the response without close_notify are common; for a probe
    // that reads one status line that is an end of stream, not a failure.
    SSL_CTX_set_options(ctx_, SSL_OP_IGNORE_UNEXPECTED_EOF);
    // A missing system store is not fatal: --ca-file may be all the user relies on, and each
    // TLS check then reports the untrusted certificate.
    SSL_CTX_set_default_verify_paths(ctx_);
    ERR_clear_error();
    if (!ca_file.empty() && SSL_CTX_load_verify_locations(ctx_, ca_file.c_str(), nullptr) != 1) {
        std::string why = openssl_reason();
        SSL_CTX_free(ctx_);
        ctx_ = nullptr;
        throw SetupError("--ca-file " + ca_file + ": cannot load PEM certificates" + (why.empty() ? "" : ": " + why));
    }
}

TlsClient::~TlsClient() { SSL_CTX_free(ctx_); }

TlsStream::TlsStream(const TlsClient& client, int fd) : ssl_(SSL_new(client.context())), fd_(fd) {
    if (ssl_) SSL_set_fd(ssl_, fd);
}

TlsStream::~TlsStream() { SSL_free(ssl_); }

bool TlsStream::wait_retry(int r, Deadline deadline, std::string& error, bool& timed_out) {
    int err = SSL_get_error(ssl_, r);
    short events;
    if (err == SSL_ERROR_WANT_READ)
        events = POLLIN;
    else if (err == SSL_ERROR_WANT_WRITE)
        events = POLLOUT;
    else {
        std::string reason = openssl_reason();
        if (err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && reason.empty() && errno == 0))
            error = "connection closed by the server";
        else if (err == SSL_ERROR_SYSCALL && reason.empty())
            error = std::strerror(errno);
        else
            error = reason.empty() ? "TLS error " + std::to_string(err) : reason;
        return false;
    }
    if (wait_for(fd_, events, deadline) == Wait::timed_out) {
        error = "timed out";
        timed_out = true;
        return false;
    }
    return true;
}

Handshake TlsStream::handshake(const std::string& name, Deadline deadline) {
    Handshake out;
    if (!ssl_) {
        out.error = "OpenSSL cannot create a session";
        return out;
    }
    ERR_clear_error();
    bool is_ip = IpAddress::parse(name).has_value();
    if (is_ip) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), name.c_str());  // matched against IP SANs
    } else {
        SSL_set_tlsext_host_name(ssl_, name.c_str());
        SSL_set1_host(ssl_, name.c_str());
    }
    for (;;) {
        errno = 0;
        int r = SSL_connect(ssl_);
        if (r == 1) break;
        if (!wait_retry(r, deadline, out.error, out.timed_out)) {
            long verify = SSL_get_verify_result(ssl_);
            // The chain or name check is what the user needs to hear, not OpenSSL's generic
            // "certificate verify failed" alert reason.
            if (verify != X509_V_OK)
                out.error = std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
            return out;
        }
    }
    out.ok = true;
    out.version = SSL_get_version(ssl_);
    out.days_left = days_until_expiry(ssl_);
    return out;
}

bool TlsStream::write_all(std::string_view data, Deadline deadline, std::string& error) {
    ERR_clear_error();
    while (!data.empty()) {
        errno = 0;
        int n = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
        if (n > 0) {
            data.remove_prefix(static_cast<std::size_t>(n));
            continue;
        }
        bool timed_out = false;
        if (!wait_retry(n, deadline, error, timed_out)) {
            if (timed_out) error = "timed out sending the request";
            return false;
        }
    }
    return true;
}

long TlsStream::read_some(char* buf, std::size_t size, Deadline deadline, std::string& error) {
    ERR_clear_error();
    for (;;) {
        errno = 0;
        int n = SSL_read(ssl_, buf, static_cast<int>(size));
        if (n > 0) return n;
        int err = SSL_get_error(ssl_, n);
        if (err == SSL_ERROR_ZERO_RETURN) return 0;
        // A server that closes without close_notify after its answer: EOF all the same for a
        // probe that only needs the status line.
        if (err == SSL_ERROR_SYSCALL && errno == 0) return 0;
        bool timed_out = false;
        if (!wait_retry(n, deadline, error, timed_out)) {
            if (timed_out) error = "timed out waiting for the response";
            return -1;
        }
    }
}

}  // namespace egresswatch::check
