#pragma once
// The TLS ClientHello: the one plaintext message of a TLS connection that names where the
// client means to go (SNI) and what it will speak there (ALPN).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "protocols/parse_status.h"

namespace egresswatch {

// Real clients offer a handful; these bound what a hostile hello can make us keep.
inline constexpr std::size_t kMaxAlpnProtocols = 32;
inline constexpr std::size_t kMaxSupportedVersions = 32;

struct ClientHello {
    std::uint16_t legacy_version = 0;  // from the handshake body
    // server_name host_name, lower-cased; bytes outside printable ASCII appear as \xHH so a
    // hostile name cannot smuggle control bytes into logs.
    std::optional<std::string> sni;
    std::vector<std::string> alpn;                  // protocol names in offered order, escaped like sni
    std::vector<std::uint16_t> supported_versions;  // as offered, GREASE values included
};

struct ClientHelloResult {
    ParseStatus status = ParseStatus::need_more;
    ClientHello hello;  // filled only when status is complete
};

// `stream` holds the first bytes the client sent on a TCP connection: one or more TLS records
// that carry the ClientHello, possibly fragmented across records and possibly cut short.
// not_this_protocol: the first bytes are not a TLS handshake record or the first handshake
// message is not a ClientHello. need_more: valid so far but incomplete. complete: the whole
// ClientHello was parsed (whatever follows it in `stream` is ignored).
ClientHelloResult parse_client_hello(std::span<const std::uint8_t> stream);

// 0x16 0x03 0x00..0x04: a handshake record of SSL 3.0 to TLS 1.3 framing.
bool looks_like_tls_handshake(std::span<const std::uint8_t> first_bytes);

}  // namespace egresswatch
