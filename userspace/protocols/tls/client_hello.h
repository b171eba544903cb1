#pragma once
// The body of a reassembled ClientHello handshake message. Internal to the TLS parser: the
// record layer (tls_parser.cpp) decides when the body is whole, this reads it.

#include <cstdint>
#include <span>
#include <string>

#include "protocols/parse_status.h"
#include "protocols/tls/parser.h"

namespace egresswatch {

// `body` is the handshake body after the 4-byte handshake header, complete; so running out
// of bytes inside it is malformed, never need_more.
ParseStatus parse_client_hello_body(std::span<const std::uint8_t> body, ClientHello& hello);

// Bytes from the wire as text: outside printable ASCII (and a backslash) as \xHH, so that a
// hostile name cannot put control bytes into logs; lower-cased if asked.
std::string printable(std::span<const std::uint8_t> bytes, bool lower);

}  // namespace egresswatch
