#pragma once
// HTTP/2 framing (RFC 9113 sections 3.4, 4 and 6): the client connection preface, the 9-byte
// frame header, where a header block fragment lies in its frame, and the payloads of the
// control frames the decoder reads. Every parser checks lengths: the bytes are hostile.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace egresswatch::http2 {

inline constexpr std::string_view kClientPreface{"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24};
inline constexpr std::size_t kFrameHeaderSize = 9;
inline constexpr std::uint32_t kDefaultMaxFrameSize = 16 * 1024;  // until SETTINGS_MAX_FRAME_SIZE
inline constexpr std::uint32_t kLargestFrameSize = (1u << 24) - 1;

enum class FrameType : std::uint8_t {
    data = 0,
    headers = 1,
    priority = 2,
    rst_stream = 3,
    settings = 4,
    push_promise = 5,
    ping = 6,
    goaway = 7,
    window_update = 8,
    continuation = 9,
};

namespace frame_flag {
inline constexpr std::uint8_t end_stream = 0x1;  // DATA, HEADERS
inline constexpr std::uint8_t ack = 0x1;         // SETTINGS, PING
inline constexpr std::uint8_t end_headers = 0x4;
inline constexpr std::uint8_t padded = 0x8;
inline constexpr std::uint8_t priority = 0x20;
}  // namespace frame_flag

struct FrameHeader {
    std::uint32_t length = 0;
    std::uint8_t type = 0;  // a byte, not a FrameType: unknown types are legal (RFC 9113 5.5)
    std::uint8_t flags = 0;
    std::uint32_t stream_id = 0;  // the reserved bit cleared

    bool is(FrameType t) const { return type == static_cast<std::uint8_t>(t); }
    bool has(std::uint8_t flag) const { return (flags & flag) != 0; }
};

FrameHeader parse_frame_header(std::span<const std::uint8_t, kFrameHeaderSize> bytes);

// Why this header cannot begin a frame (a length over max_frame_size, a fixed-length frame of
// another length, a stream id where none may be or none where one must be), or "" when it
// can. A direction whose frames break these rules is not where its reader thinks it is.
std::string_view frame_header_error(const FrameHeader& header, std::uint32_t max_frame_size);

// Where the header block fragment of a HEADERS, PUSH_PROMISE or CONTINUATION frame lies in
// its payload: after the pad length, the priority fields or the promised stream id, before
// the padding. `payload` may be the first bytes only, but must hold the pad length byte of a
// PADDED frame. nullopt: the padding is longer than the frame (a protocol error), or the pad
// length byte is missing.
struct FragmentBounds {
    std::size_t begin = 0, end = 0;
};
std::optional<FragmentBounds> header_block_fragment(const FrameHeader& header, std::span<const std::uint8_t> payload);

// How many bytes of a DATA frame are payload proper, padding taken off when the pad length
// byte (the first payload byte) is in `first_bytes`; nullopt when the padding is longer than
// the frame.
std::optional<std::uint32_t> data_length(const FrameHeader& header, std::span<const std::uint8_t> first_bytes);

inline constexpr std::uint16_t kSettingsHeaderTableSize = 0x1;
inline constexpr std::uint16_t kSettingsMaxFrameSize = 0x5;

struct Setting {
    std::uint16_t id = 0;
    std::uint32_t value = 0;
};
// Every whole 6-byte setting in the payload, in order.
std::vector<Setting> parse_settings(std::span<const std::uint8_t> payload);

struct Goaway {
    std::uint32_t last_stream_id = 0;
    std::uint32_t error_code = 0;
};
std::optional<Goaway> parse_goaway(std::span<const std::uint8_t> payload);

// RST_STREAM's error code.
std::optional<std::uint32_t> parse_rst_stream(std::span<const std::uint8_t> payload);

// Whether bytes begin with the client connection preface (for callers deciding the protocol).
bool starts_with_preface(std::string_view bytes);

}  // namespace egresswatch::http2
