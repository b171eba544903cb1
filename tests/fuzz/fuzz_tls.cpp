// libFuzzer target: the TLS ClientHello and ServerHello parsers over arbitrary first bytes of a flow.

#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "protocols/tls/parser.h"
#include "protocols/tls/server_hello.h"

using namespace egresswatch;

namespace {

void require(bool condition) {
    if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> stream(data, size);
    // The same bytes as the server's first: a ServerHello is parsed from the same hostile input.
    const auto server = parse_server_hello(stream);
    if (server.status == ParseStatus::complete)
        require(!server.hello.version.empty() && server.hello.version.size() <= 6);
    const auto result = parse_client_hello(stream);
    if (size >= 3 && !looks_like_tls_handshake(stream)) require(result.status == ParseStatus::not_this_protocol);
    if (result.status != ParseStatus::complete) return 0;

    const auto& hello = result.hello;
    require(hello.alpn.size() <= kMaxAlpnProtocols);
    require(hello.supported_versions.size() <= kMaxSupportedVersions);
    require(!hello.sni || (!hello.sni->empty() && hello.sni->size() <= 4 * 255));
    // A complete hello stays complete, and the same, whatever the client sends after it.
    std::vector<std::uint8_t> longer(stream.begin(), stream.end());
    longer.push_back(0x17);
    const auto again = parse_client_hello(longer);
    require(again.status == ParseStatus::complete && again.hello.sni == hello.sni && again.hello.alpn == hello.alpn);
    return 0;
}
