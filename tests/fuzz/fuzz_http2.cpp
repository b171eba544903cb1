// libFuzzer target: the passive HTTP/2 decoder fed both directions of a connection, in pieces
// at offsets with gaps and overlaps, as the kernel's copies would come (or worse).
//
// Input: a first byte (bit 0: the connection's start is seen), then records until the end:
//   control byte: bit 0 the side (0 client, 1 server), bit 1 frame_start, bits 2-3:
//     0 the piece follows the side's last one; 1 a gap of the next 2 bytes (big-endian) before
//     it; 2 an overlap: it starts the next byte's value of bytes back; 3 take_finished(), no
//     piece;
//   [gap or overlap bytes], a length byte n, n bytes (fewer if the input ends).
// The seeds in corpus/fuzz_http2 are real nghttp2 traffic in this format (written by the
// unit test Http2Decoder.DISABLED_WriteFuzzSeeds).

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "protocols/http2/connection.h"
#include "protocols/http2/header_block.h"

using namespace egresswatch::http2;

namespace {

void require(bool condition) {
    if (!condition) std::abort();
}

void check_fields(const std::vector<Field>& fields) {
    require(fields.size() <= kMaxKeptHeaders);
    for (const auto& field : fields)
        require(field.name.size() <= kMaxHeaderValue && field.value.size() <= kMaxHeaderValue);
}

void check(const std::vector<Exchange>& exchanges, bool all) {
    require(exchanges.size() <= kMaxFinishedQueued + (all ? kMaxOpenStreams : 0));
    for (const auto& exchange : exchanges) {
        require(all || exchange.finished);
        require(exchange.stream_id % 2 == 1);
        check_fields(exchange.request_headers);
        check_fields(exchange.response_headers);
        check_fields(exchange.trailers);
        for (const auto* text : {&exchange.method, &exchange.scheme, &exchange.authority, &exchange.path})
            require(!*text || (*text)->size() <= kMaxHeaderValue);
        require(!exchange.status || (*exchange.status >= 0 && *exchange.status <= 999));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::size_t at = 0;
    const auto next_byte = [&]() -> std::uint8_t { return at < size ? data[at++] : 0; };
    Connection connection((next_byte() & 1) != 0);
    std::uint64_t offsets[2] = {0, 0};
    std::int64_t ts = 0;
    while (at < size) {
        const auto control = next_byte();
        const int side = control & 1;
        const bool frame_start = (control & 2) != 0;
        switch ((control >> 2) & 3) {
        case 1: offsets[side] += (std::uint64_t{next_byte()} << 8) | next_byte(); break;
        case 2: {
            const std::uint64_t back = next_byte();
            offsets[side] -= std::min(back, offsets[side]);
            break;
        }
        case 3: check(connection.take_finished(), false); continue;
        default: break;
        }
        const std::size_t length = std::min<std::size_t>(next_byte(), size - at);
        const std::string_view bytes(reinterpret_cast<const char*>(data + at), length);
        at += length;
        connection.feed(side ? Side::server : Side::client, offsets[side], bytes, frame_start, ++ts);
        offsets[side] += length;
    }
    check(connection.take_finished(), false);
    check(connection.take_all(), true);
    require(connection.take_all().empty());
    return 0;
}
