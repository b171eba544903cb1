#include "protocols/tls/parser.h"

#include <algorithm>

#include "protocols/byte_reader.h"
#include "protocols/tls/client_hello.h"

namespace egresswatch {
namespace {

constexpr std::uint8_t kContentHandshake = 0x16;
constexpr std::uint8_t kHandshakeClientHello = 1;
constexpr std::size_t kRecordHeaderLength = 5;
constexpr std::size_t kHandshakeHeaderLength = 4;
constexpr std::size_t kMaxPlaintextRecord = 1 << 14;  // RFC 8446 5.1
// The largest body the ClientHello's own length fields can describe: version, random,
// session id, cipher suites, compression methods, extensions, each at its maximum.
constexpr std::size_t kMaxClientHelloBody = 2 + 32 + (1 + 32) + (2 + 65534) + (1 + 255) + (2 + 65535);

// Whether the bytes present agree with the start of a handshake record header (0x16 0x03 0x00..0x04).
bool header_prefix_matches(std::span<const std::uint8_t> bytes) {
    if (bytes.size() >= 1 && bytes[0] != kContentHandshake) return false;
    if (bytes.size() >= 2 && bytes[1] != 0x03) return false;
    if (bytes.size() >= 3 && bytes[2] > 0x04) return false;
    return true;
}

}  // namespace

bool looks_like_tls_handshake(std::span<const std::uint8_t> first_bytes) {
    return first_bytes.size() >= 3 && header_prefix_matches(first_bytes.first(3));
}

ClientHelloResult parse_client_hello(std::span<const std::uint8_t> stream) {
    ClientHelloResult result;
    ByteReader reader(stream);
    std::vector<std::uint8_t> handshake;  // the handshake message reassembled from its fragments
    bool first_record = true;
    // Past the first record we know it is TLS, so a broken header is malformed, not foreign.
    auto wrong = [&] { return first_record ? ParseStatus::not_this_protocol : ParseStatus::malformed; };

    for (;;) {
        const auto header_bytes = stream.subspan(reader.offset(), std::min(kRecordHeaderLength, reader.remaining()));
        if (!header_prefix_matches(header_bytes.first(std::min<std::size_t>(3, header_bytes.size())))) {
            result.status = wrong();
            return result;
        }
        if (header_bytes.size() < kRecordHeaderLength) return result;  // need_more
        reader.skip(3);
        const std::size_t length = *reader.u16();
        if (length == 0 || length > kMaxPlaintextRecord) {
            result.status = ParseStatus::malformed;  // zero-length handshake fragments are forbidden
            return result;
        }
        const std::size_t present = std::min(length, reader.remaining());
        const auto fragment = *reader.bytes(present);
        handshake.insert(handshake.end(), fragment.begin(), fragment.end());
        first_record = false;

        if (!handshake.empty() && handshake[0] != kHandshakeClientHello) {
            result.status = ParseStatus::not_this_protocol;  // e.g. the server's side of a flow
            return result;
        }
        if (handshake.size() >= kHandshakeHeaderLength) {
            const std::size_t body_length =
                (std::size_t{handshake[1]} << 16) | (std::size_t{handshake[2]} << 8) | handshake[3];
            if (body_length > kMaxClientHelloBody) {
                result.status = ParseStatus::malformed;
                return result;
            }
            if (handshake.size() - kHandshakeHeaderLength >= body_length) {
                const auto body = std::span<const std::uint8_t>(handshake).subspan(kHandshakeHeaderLength, body_length);
                result.status = parse_client_hello_body(body, result.hello);
                if (result.status != ParseStatus::complete) result.hello = {};
                return result;
            }
        }
        if (present < length) return result;  // need_more: the capture ends inside this record
    }
}

}  // namespace egresswatch
