#include "protocols/tls/client_hello.h"

#include <string>
#include <utility>

#include "base/ascii.h"
#include "protocols/byte_reader.h"

namespace egresswatch {
namespace {

constexpr std::uint16_t kExtServerName = 0;
constexpr std::uint16_t kExtAlpn = 16;
constexpr std::uint16_t kExtSupportedVersions = 43;
constexpr std::uint8_t kHostNameType = 0;
constexpr std::size_t kMaxSessionId = 32;
// A DNS name is at most 255 bytes; anything longer in server_name is not a host name.
constexpr std::size_t kMaxHostName = 255;

// A length-prefixed vector that must fill exactly what contains it.
std::optional<ByteReader> exact_list(ByteReader& reader, std::size_t length_width) {
    auto length =
        length_width == 1 ? std::optional<std::uint32_t>(reader.u8()) : std::optional<std::uint32_t>(reader.u16());
    if (!length || *length != reader.remaining()) return std::nullopt;
    return ByteReader(*reader.bytes(*length));
}

bool read_server_name(ByteReader extension, ClientHello& hello) {
    if (extension.empty()) return true;
    auto list = exact_list(extension, 2);
    if (!list) return false;
    while (!list->empty()) {
        auto type = list->u8();
        auto length = list->u16();
        if (!length) return false;
        auto name = list->bytes(*length);
        if (!name || name->empty() || name->size() > kMaxHostName) return false;
        if (*type == kHostNameType && !hello.sni) hello.sni = printable(*name, true);
    }
    return true;
}

bool read_alpn(ByteReader extension, ClientHello& hello) {
    auto list = exact_list(extension, 2);
    if (!list) return false;
    while (!list->empty()) {
        auto length = list->u8();
        if (!length || *length == 0) return false;
        auto protocol = list->bytes(*length);
        if (!protocol) return false;
        if (hello.alpn.size() < kMaxAlpnProtocols) hello.alpn.push_back(printable(*protocol, false));
    }
    return true;
}

bool read_supported_versions(ByteReader extension, ClientHello& hello) {
    auto list = exact_list(extension, 1);
    if (!list || list->remaining() % 2 != 0) return false;
    while (auto version = list->u16())
        if (hello.supported_versions.size() < kMaxSupportedVersions) hello.supported_versions.push_back(*version);
    return true;
}

}  // namespace

std::string printable(std::span<const std::uint8_t> bytes, bool lower) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size());
    for (std::uint8_t byte : bytes) {
        if (byte < 0x21 || byte > 0x7e || byte == '\\') {
            out += "\\x";
            out += kHex[byte >> 4];
            out += kHex[byte & 0xF];
        } else {
            const char c = static_cast<char>(byte);
            out += lower ? ascii_lower(c) : c;
        }
    }
    return out;
}

ParseStatus parse_client_hello_body(std::span<const std::uint8_t> body, ClientHello& hello) {
    ByteReader reader(body);
    auto version = reader.u16();
    if (!version || !reader.skip(32)) return ParseStatus::malformed;  // random
    auto session_id_length = reader.u8();
    if (!session_id_length || *session_id_length > kMaxSessionId || !reader.skip(*session_id_length))
        return ParseStatus::malformed;
    auto cipher_suites_length = reader.u16();
    if (!cipher_suites_length || *cipher_suites_length < 2 || *cipher_suites_length % 2 != 0 ||
        !reader.skip(*cipher_suites_length))
        return ParseStatus::malformed;
    auto compression_methods_length = reader.u8();
    if (!compression_methods_length || *compression_methods_length < 1 || !reader.skip(*compression_methods_length))
        return ParseStatus::malformed;
    hello.legacy_version = *version;
    if (reader.empty()) return ParseStatus::complete;  // pre-TLS 1.2 hellos may carry no extensions

    auto extensions = exact_list(reader, 2);
    if (!extensions) return ParseStatus::malformed;
    bool seen_server_name = false, seen_alpn = false, seen_versions = false;
    while (!extensions->empty()) {
        auto type = extensions->u16();
        auto length = extensions->u16();
        if (!length) return ParseStatus::malformed;
        auto data = extensions->bytes(*length);
        if (!data) return ParseStatus::malformed;
        bool ok = true;
        // A repeated extension is a protocol error; the first one is what a server would act on.
        if (*type == kExtServerName && !std::exchange(seen_server_name, true))
            ok = read_server_name(ByteReader(*data), hello);
        else if (*type == kExtAlpn && !std::exchange(seen_alpn, true))
            ok = read_alpn(ByteReader(*data), hello);
        else if (*type == kExtSupportedVersions && !std::exchange(seen_versions, true))
            ok = read_supported_versions(ByteReader(*data), hello);
        if (!ok) return ParseStatus::malformed;
    }
    return ParseStatus::complete;
}

}  // namespace egresswatch
