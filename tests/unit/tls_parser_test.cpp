#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "packet_fixtures.h"
#include "protocols/tls/parser.h"
#include "protocols/tls/server_hello.h"

using namespace egresswatch;

namespace {

using Bytes = std::vector<std::uint8_t>;

void put16(Bytes& out, std::size_t v) {
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
}

void append(Bytes& out, const Bytes& more) { out.insert(out.end(), more.begin(), more.end()); }

Bytes extension(std::uint16_t type, const Bytes& data) {
    Bytes out;
    put16(out, type);
    put16(out, data.size());
    append(out, data);
    return out;
}

Bytes server_name_extension(std::string_view host) {
    Bytes entry{0};  // host_name
    put16(entry, host.size());
    entry.insert(entry.end(), host.begin(), host.end());
    Bytes list;
    put16(list, entry.size());
    append(list, entry);
    return extension(0, list);
}

// A ClientHello handshake message (header included) with the given extensions block contents.
Bytes client_hello_message(const Bytes& extensions) {
    Bytes body{0x03, 0x03};
    body.insert(body.end(), 32, 0xAB);  // random
    body.push_back(0);                  // no session id
    put16(body, 2);
    body.insert(body.end(), {0x13, 0x01});  // TLS_AES_128_GCM_SHA256
    body.insert(body.end(), {1, 0});        // null compression
    put16(body, extensions.size());
    append(body, extensions);
    Bytes message{1, 0, static_cast<std::uint8_t>(body.size() >> 8), static_cast<std::uint8_t>(body.size())};
    append(message, body);
    return message;
}

// The handshake message cut into TLS records at the given fragment boundaries.
Bytes in_records(const Bytes& message, std::vector<std::size_t> cuts) {
    cuts.push_back(message.size());
    Bytes out;
    std::size_t start = 0;
    for (std::size_t end : cuts) {
        out.insert(out.end(), {0x16, 0x03, 0x01});
        put16(out, end - start);
        out.insert(out.end(), message.begin() + static_cast<std::ptrdiff_t>(start),
                   message.begin() + static_cast<std::ptrdiff_t>(end));
        start = end;
    }
    return out;
}

// The handshake message inside a captured single-record ClientHello.
Bytes handshake_of(const Bytes& record) {
    return Bytes(record.begin() + 5, record.begin() + 5 + ((record[3] << 8) | record[4]));
}

std::span<const std::uint8_t> prefix(const Bytes& bytes, std::size_t length) {
    return std::span<const std::uint8_t>(bytes).first(length);
}

}  // namespace

TEST(TlsParser, RealClientHelloWithSniAndAlpn) {
    const auto stream = test::read_packet_fixture("client_hello_sni_alpn.hex");
    auto result = parse_client_hello(stream);
    ASSERT_EQ(result.status, ParseStatus::complete);
    EXPECT_EQ(result.hello.legacy_version, 0x0303);
    EXPECT_EQ(result.hello.sni, "secure.test");
    EXPECT_EQ(result.hello.alpn, (std::vector<std::string>{"h2", "http/1.1"}));
    EXPECT_EQ(result.hello.supported_versions, (std::vector<std::uint16_t>{0x0304, 0x0303, 0x0302, 0x0301}));
}

TEST(TlsParser, RealClientHelloWithoutSni) {
    const auto stream = test::read_packet_fixture("client_hello_no_sni.hex");
    auto result = parse_client_hello(stream);
    ASSERT_EQ(result.status, ParseStatus::complete);
    EXPECT_EQ(result.hello.legacy_version, 0x0303);
    EXPECT_FALSE(result.hello.sni);
    EXPECT_TRUE(result.hello.alpn.empty());
    EXPECT_EQ(result.hello.supported_versions, (std::vector<std::uint16_t>{0x0304, 0x0303, 0x0302, 0x0301}));
}

TEST(TlsParser, EveryPrefixNeedsMore) {
    for (const char* fixture : {"client_hello_sni_alpn.hex", "client_hello_no_sni.hex"}) {
        const auto stream = test::read_packet_fixture(fixture);
        for (std::size_t length = 0; length < stream.size(); ++length)
            ASSERT_EQ(parse_client_hello(prefix(stream, length)).status, ParseStatus::need_more)
                << fixture << " " << length;
    }
}

// The server's side: what it chose. TLS 1.2 sends the ALPN choice in clear, TLS 1.3 does not.
TEST(TlsParser, RealServerHellosSayTheVersionAndTheClearAlpn) {
    const auto tls12 = test::read_packet_fixture("server_hello_tls12_alpn_h2.hex");
    auto result = parse_server_hello(tls12);
    ASSERT_EQ(result.status, ParseStatus::complete);
    EXPECT_EQ(result.hello.version, "1.2");
    EXPECT_EQ(result.hello.alpn, "h2");
    const auto tls13 = test::read_packet_fixture("server_hello_tls13.hex");
    result = parse_server_hello(tls13);
    ASSERT_EQ(result.status, ParseStatus::complete);
    EXPECT_EQ(result.hello.version, "1.3") << "from supported_versions, not the legacy 1.2 field";
    EXPECT_FALSE(result.hello.alpn) << "encrypted in TLS 1.3";
    for (const auto* stream : {&tls12, &tls13}) {
        for (std::size_t length = 0; length < stream->size(); ++length)
            ASSERT_EQ(parse_server_hello(prefix(*stream, length)).status, ParseStatus::need_more) << length;
        // What follows the ServerHello (certificate, change cipher spec) does not matter.
        Bytes more = *stream;
        more.insert(more.end(), {0x14, 0x03, 0x03, 0x00, 0x01, 0x01});
        EXPECT_EQ(parse_server_hello(more).status, ParseStatus::complete);
    }
    EXPECT_EQ(parse_server_hello(test::read_packet_fixture("client_hello_sni_alpn.hex")).status,
              ParseStatus::not_this_protocol);
    const std::uint8_t http[] = {'H', 'T', 'T', 'P', '/', '1', '.', '1'};
    EXPECT_EQ(parse_server_hello(http).status, ParseStatus::not_this_protocol);
    Bytes broken = tls12;
    broken[5 + 4 + 2 + 32] = 200;  // a session id longer than 32 bytes
    EXPECT_EQ(parse_server_hello(broken).status, ParseStatus::malformed);
}

TEST(TlsParser, HelloSplitAcrossTwoRecords) {
    const auto message = handshake_of(test::read_packet_fixture("client_hello_sni_alpn.hex"));
    const auto stream = in_records(message, {100});
    ASSERT_EQ(stream.size(), message.size() + 10);
    auto result = parse_client_hello(stream);
    ASSERT_EQ(result.status, ParseStatus::complete);
    EXPECT_EQ(result.hello.sni, "secure.test");
    EXPECT_EQ(result.hello.alpn, (std::vector<std::string>{"h2", "http/1.1"}));
    for (std::size_t length = 0; length < stream.size(); ++length)
        ASSERT_EQ(parse_client_hello(prefix(stream, length)).status, ParseStatus::need_more) << length;

    // Wherever the split falls, even inside the 4-byte handshake header, the result is the same.
    for (std::size_t cut = 1; cut < message.size(); ++cut) {
        auto split = parse_client_hello(in_records(message, {cut}));
        ASSERT_EQ(split.status, ParseStatus::complete) << cut;
        ASSERT_EQ(split.hello.sni, "secure.test") << cut;
    }
    auto three = parse_client_hello(in_records(message, {1, 3}));
    EXPECT_EQ(three.status, ParseStatus::complete);
}

TEST(TlsParser, BytesAfterTheHelloAreIgnored) {
    auto stream = test::read_packet_fixture("client_hello_sni_alpn.hex");
    stream.insert(stream.end(), {0x14, 0x03, 0x03, 0x00, 0x01, 0x01, 0x17, 0x03});  // CCS, then early data
    EXPECT_EQ(parse_client_hello(stream).status, ParseStatus::complete);
}

TEST(TlsParser, NotTls) {
    const std::string http = "GET / HTTP/1.1\r\n";
    EXPECT_EQ(parse_client_hello(Bytes(http.begin(), http.end())).status, ParseStatus::not_this_protocol);
    EXPECT_EQ(parse_client_hello(Bytes{0x17}).status, ParseStatus::not_this_protocol);
    EXPECT_EQ(parse_client_hello(Bytes{0x16, 0x02}).status, ParseStatus::not_this_protocol);
    EXPECT_EQ(parse_client_hello(Bytes{0x16, 0x03, 0x05, 0, 4}).status, ParseStatus::not_this_protocol);
    EXPECT_EQ(parse_client_hello(Bytes{0x16, 0x03}).status, ParseStatus::need_more);
    // A ServerHello: TLS, but not the client's side.
    EXPECT_EQ(parse_client_hello(Bytes{0x16, 0x03, 0x03, 0, 4, 2, 0, 0, 0}).status, ParseStatus::not_this_protocol);

    EXPECT_TRUE(looks_like_tls_handshake(Bytes{0x16, 0x03, 0x01}));
    EXPECT_TRUE(looks_like_tls_handshake(Bytes{0x16, 0x03, 0x04, 0x00}));
    EXPECT_FALSE(looks_like_tls_handshake(Bytes{0x16, 0x03, 0x05}));
    EXPECT_FALSE(looks_like_tls_handshake(Bytes{0x16, 0x03}));
    EXPECT_FALSE(looks_like_tls_handshake(Bytes{0x17, 0x03, 0x03}));
}

TEST(TlsParser, Malformed) {
    EXPECT_EQ(parse_client_hello(Bytes{0x16, 0x03, 0x01, 0, 0}).status, ParseStatus::malformed);        // empty record
    EXPECT_EQ(parse_client_hello(Bytes{0x16, 0x03, 0x01, 0x48, 0x01}).status, ParseStatus::malformed);  // > 2^14

    const auto message = handshake_of(test::read_packet_fixture("client_hello_sni_alpn.hex"));
    // Application data where the rest of the hello should be.
    auto interrupted = in_records(message, {50});
    interrupted[5 + 50] = 0x17;
    EXPECT_EQ(parse_client_hello(interrupted).status, ParseStatus::malformed);

    // An extension whose length runs past the extensions block.
    auto overrun = client_hello_message(extension(0x0a0a, Bytes{1, 2, 3}));
    overrun[overrun.size() - 5] = 0;  // the extension's length field
    overrun[overrun.size() - 4] = 9;
    EXPECT_EQ(parse_client_hello(in_records(overrun, {})).status, ParseStatus::malformed);

    // A server_name list shorter than its extension.
    auto list = server_name_extension("a.test");
    list.push_back(0);
    list[3] += 1;
    EXPECT_EQ(parse_client_hello(in_records(client_hello_message(list), {})).status, ParseStatus::malformed);

    // Odd supported_versions length.
    EXPECT_EQ(parse_client_hello(in_records(client_hello_message(extension(43, Bytes{3, 3, 4, 3})), {})).status,
              ParseStatus::malformed);
    // Empty ALPN protocol name.
    EXPECT_EQ(parse_client_hello(in_records(client_hello_message(extension(16, Bytes{0, 3, 0, 1, 'x'})), {})).status,
              ParseStatus::malformed);
    // A handshake length beyond what any ClientHello can be.
    EXPECT_EQ(parse_client_hello(Bytes{0x16, 0x03, 0x01, 0, 4, 1, 0xff, 0xff, 0xff}).status, ParseStatus::malformed);
}

TEST(TlsParser, HostileSniIsEscapedAndLowerCased) {
    Bytes extensions = server_name_extension(std::string_view("EVIL\0\n.Test\\", 12));
    append(extensions, server_name_extension("second.test"));  // a repeated extension: first wins
    Bytes alpn_list{0, 5, 4, 'h', 0x01, 'X', '2'};
    append(extensions, extension(16, alpn_list));
    auto result = parse_client_hello(in_records(client_hello_message(extensions), {}));
    ASSERT_EQ(result.status, ParseStatus::complete);
    EXPECT_EQ(result.hello.sni, "evil\\x00\\x0a.test\\x5c");
    EXPECT_EQ(result.hello.alpn, (std::vector<std::string>{"h\\x01X2"}));
    EXPECT_TRUE(result.hello.supported_versions.empty());
}

TEST(TlsParser, HelloWithoutExtensions) {
    auto message = client_hello_message({});
    message.resize(message.size() - 2);  // drop the empty extensions length too
    message[3] = static_cast<std::uint8_t>(message[3] - 2);
    auto result = parse_client_hello(in_records(message, {}));
    ASSERT_EQ(result.status, ParseStatus::complete);
    EXPECT_EQ(result.hello.legacy_version, 0x0303);
    EXPECT_FALSE(result.hello.sni);
}
