#pragma once
// The TLS ServerHello: what the server chose. The protocol version is always in it; the
// application protocol (ALPN) only up to TLS 1.2, since TLS 1.3 moves it into the encrypted
// extensions.

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "protocols/parse_status.h"

namespace egresswatch {

struct ServerHello {
    std::string version;              // "1.3", "1.2", "1.1", "1.0", or "0x...." for others
    std::optional<std::string> alpn;  // the protocol the server selected, when sent in clear
};

struct ServerHelloResult {
    ParseStatus status = ParseStatus::need_more;
    ServerHello hello;  // filled only when complete
};

// `stream` holds the first bytes the server sent: a handshake record whose first message is a
// ServerHello (in the same record: servers do not fragment it). not_this_protocol: anything
// else; need_more: cut short; malformed: broken inside.
ServerHelloResult parse_server_hello(std::span<const std::uint8_t> stream);

}  // namespace egresswatch
