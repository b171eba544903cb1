#include "protocols/http2/frame.h"

#include "protocols/byte_reader.h"

namespace egresswatch::http2 {
namespace {

constexpr std::uint32_t kStreamIdMask = 0x7FFFFFFF;

// RFC 9113 section 6: the frames whose payload has one length only.
std::optional<std::uint32_t> fixed_length(std::uint8_t type) {
    switch (static_cast<FrameType>(type)) {
    case FrameType::priority: return 5;
    case FrameType::rst_stream: return 4;
    case FrameType::ping: return 8;
    case FrameType::window_update: return 4;
    default: return std::nullopt;
    }
}

enum class StreamRule { none, connection, stream };

StreamRule stream_rule(std::uint8_t type) {
    switch (static_cast<FrameType>(type)) {
    case FrameType::settings:
    case FrameType::ping:
    case FrameType::goaway: return StreamRule::connection;
    case FrameType::data:
    case FrameType::headers:
    case FrameType::priority:
    case FrameType::rst_stream:
    case FrameType::push_promise:
    case FrameType::continuation: return StreamRule::stream;
    default: return StreamRule::none;  // WINDOW_UPDATE is both; unknown types say nothing
    }
}

}  // namespace

FrameHeader parse_frame_header(std::span<const std::uint8_t, kFrameHeaderSize> bytes) {
    ByteReader reader(bytes);
    FrameHeader header;
    header.length = reader.u24().value_or(0);
    header.type = reader.u8().value_or(0);
    header.flags = reader.u8().value_or(0);
    header.stream_id = reader.u32().value_or(0) & kStreamIdMask;
    return header;
}

std::string_view frame_header_error(const FrameHeader& header, std::uint32_t max_frame_size) {
    if (header.length > max_frame_size) return "longer than SETTINGS_MAX_FRAME_SIZE";
    if (const auto length = fixed_length(header.type); length && header.length != *length)
        return "a fixed-length frame of another length";
    switch (stream_rule(header.type)) {
    case StreamRule::connection:
        if (header.stream_id != 0) return "a connection frame on a stream";
        break;
    case StreamRule::stream:
        if (header.stream_id == 0) return "a stream frame on stream 0";
        break;
    case StreamRule::none: break;
    }
    if (header.is(FrameType::settings)) {
        if (header.has(frame_flag::ack) ? header.length != 0 : header.length % 6 != 0)
            return "SETTINGS of a length no settings have";
    }
    if (header.is(FrameType::goaway) && header.length < 8) return "GOAWAY shorter than its fields";
    return {};
}

std::optional<FragmentBounds> header_block_fragment(const FrameHeader& header, std::span<const std::uint8_t> payload) {
    std::size_t before = 0, padding = 0;
    const bool can_pad = header.is(FrameType::headers) || header.is(FrameType::push_promise);
    if (can_pad && header.has(frame_flag::padded)) {
        if (payload.empty()) return std::nullopt;
        before = 1;
        padding = payload[0];
    }
    if (header.is(FrameType::headers) && header.has(frame_flag::priority)) before += 5;  // stream dependency, weight
    if (header.is(FrameType::push_promise)) before += 4;                                 // promised stream id
    if (before + padding > header.length) return std::nullopt;
    return FragmentBounds{before, header.length - padding};
}

std::optional<std::uint32_t> data_length(const FrameHeader& header, std::span<const std::uint8_t> first_bytes) {
    if (!header.has(frame_flag::padded)) return header.length;
    if (header.length == 0) return std::nullopt;  // no room for the pad length byte
    if (first_bytes.empty()) return header.length;
    const std::uint32_t padding = first_bytes[0];
    if (padding + 1 > header.length) return std::nullopt;
    return header.length - 1 - padding;
}

std::vector<Setting> parse_settings(std::span<const std::uint8_t> payload) {
    std::vector<Setting> settings;
    ByteReader reader(payload);
    while (reader.remaining() >= 6) {
        const auto id = reader.u16();
        const auto value = reader.u32();
        if (!value) break;
        settings.push_back({*id, *value});
    }
    return settings;
}

std::optional<Goaway> parse_goaway(std::span<const std::uint8_t> payload) {
    ByteReader reader(payload);
    const auto last = reader.u32();
    const auto code = reader.u32();
    if (!code) return std::nullopt;
    return Goaway{*last & kStreamIdMask, *code};
}

std::optional<std::uint32_t> parse_rst_stream(std::span<const std::uint8_t> payload) {
    ByteReader reader(payload);
    return reader.u32();
}

bool starts_with_preface(std::string_view bytes) { return bytes.starts_with(kClientPreface); }

}  // namespace egresswatch::http2
