#include "protocols/tls/server_hello.h"

#include <algorithm>
#include <cstdio>

#include "protocols/byte_reader.h"
#include "protocols/tls/client_hello.h"
#include "protocols/tls/parser.h"

namespace egresswatch {
namespace {

constexpr std::uint8_t kHandshakeServerHello = 2;
constexpr std::uint16_t kExtensionAlpn = 0x0010;
constexpr std::uint16_t kExtensionSupportedVersions = 0x002b;

std::string version_name(std::uint16_t version) {
    switch (version) {
    case 0x0304: return "1.3";
    case 0x0303: return "1.2";
    case 0x0302: return "1.1";
    case 0x0301: return "1.0";
    default: {
        char text[8];
        std::snprintf(text, sizeof(text), "0x%04x", version);
        return text;
    }
    }
}

// The extensions' bytes: only the two that say what was chosen are read.
ParseStatus read_extensions(ByteReader& reader, ServerHello& hello, std::uint16_t& version) {
    while (!reader.empty()) {
        auto type = reader.u16();
        auto length = reader.u16();
        auto data = reader.bytes(length.value_or(0));
        if (!data) return ParseStatus::malformed;
        ByteReader ext(*data);
        if (*type == kExtensionSupportedVersions) {
            auto selected = ext.u16();
            if (!selected || !ext.empty()) return ParseStatus::malformed;
            version = *selected;
        } else if (*type == kExtensionAlpn) {
            // A list of exactly one protocol: the server's choice.
            auto list_length = ext.u16();
            auto name_length = ext.u8();
            auto name = ext.bytes(name_length.value_or(0));
            if (!list_length || !name || *name_length == 0 || !ext.empty()) return ParseStatus::malformed;
            hello.alpn = printable(*name, false);
        }
    }
    return ParseStatus::complete;
}

}  // namespace

ServerHelloResult parse_server_hello(std::span<const std::uint8_t> stream) {
    ServerHelloResult result;
    if (stream.size() < 3) return result;  // need_more
    if (!looks_like_tls_handshake(stream)) {
        result.status = ParseStatus::not_this_protocol;
        return result;
    }
    ByteReader reader(stream);
    reader.skip(3);
    auto record_length = reader.u16();
    auto type = reader.u8();
    auto body_length = reader.u24();
    if (!body_length) return result;  // need_more
    if (*type != kHandshakeServerHello) {
        result.status = ParseStatus::not_this_protocol;
        return result;
    }
    if (*body_length + 4 > *record_length) {
        result.status = ParseStatus::malformed;  // a ServerHello is never fragmented in practice
        return result;
    }
    auto body = reader.bytes(*body_length);
    if (!body) return result;  // need_more
    ByteReader b(*body);
    auto legacy_version = b.u16();
    b.skip(32);  // random
    auto session_id_length = b.u8();
    if (session_id_length && *session_id_length > 32) {
        result.status = ParseStatus::malformed;
        return result;
    }
    if (session_id_length) b.skip(*session_id_length);
    b.skip(2 + 1);  // cipher suite, compression method
    if (b.failed() || !legacy_version) {
        result.status = ParseStatus::malformed;
        return result;
    }
    std::uint16_t version = *legacy_version;
    if (!b.empty()) {
        auto extensions_length = b.u16();
        auto extensions = b.bytes(extensions_length.value_or(0));
        if (!extensions || !b.empty()) {
            result.status = ParseStatus::malformed;
            return result;
        }
        ByteReader ext(*extensions);
        result.status = read_extensions(ext, result.hello, version);
        if (result.status != ParseStatus::complete) {
            result.hello = {};
            return result;
        }
    }
    result.hello.version = version_name(version);
    result.status = ParseStatus::complete;
    return result;
}

}  // namespace egresswatch
