#include "protocols/http2/frame_reader.h"

#include <algorithm>
#include <cstring>
#include <string_view>

namespace egresswatch::http2 {
namespace {

// How much of a frame's payload is kept for the handler. Header blocks whole (a block larger
// than this is not decoded anyway); SETTINGS up to ~170 settings; the fixed fields of the
// others.
std::size_t kept_payload(const FrameHeader& header) {
    constexpr std::size_t kHeaderFrame = 256 * 1024;
    constexpr std::size_t kSettings = 1024;
    switch (static_cast<FrameType>(header.type)) {
    case FrameType::headers:
    case FrameType::push_promise:
    case FrameType::continuation: return std::min<std::size_t>(header.length, kHeaderFrame);
    case FrameType::settings: return std::min<std::size_t>(header.length, kSettings);
    case FrameType::rst_stream: return std::min<std::size_t>(header.length, 4);
    case FrameType::goaway: return std::min<std::size_t>(header.length, 8);  // not the debug data
    default: return 0;
    }
}

// Frames handed over when their payload ends; the others as soon as their header is read.
bool waits_for_payload(const FrameHeader& header) {
    switch (static_cast<FrameType>(header.type)) {
    case FrameType::headers:
    case FrameType::push_promise:
    case FrameType::continuation:
    case FrameType::settings:
    case FrameType::rst_stream:
    case FrameType::goaway: return true;
    default: return false;
    }
}

std::span<const std::uint8_t> bytes_of(const std::string& text) {
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

}  // namespace

FrameReader::FrameReader(Side side, bool start_seen) : side_(side), start_seen_(start_seen) {}

void FrameReader::allow_frame_size(std::uint32_t size) {
    max_frame_size_ = std::max(max_frame_size_, std::min(size, kLargestFrameSize));
}

std::optional<std::uint32_t> FrameReader::pending_block_stream() const {
    if (lost_ || !in_payload_ || !(header_.is(FrameType::headers) || header_.is(FrameType::continuation)))
        return std::nullopt;
    return header_.stream_id;
}

void FrameReader::feed(std::uint64_t offset, std::span<const std::uint8_t> bytes, bool frame_start, std::int64_t ts,
                       Handler& handler, Counters& counters) {
    if (!started_) {
        started_ = true;
        next_ = offset;
        const bool from_start = start_seen_ && offset == 0;
        const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        if (side_ == Side::client && offset == 0 && (from_start || starts_with_preface(text))) preface_read_ = 0;
        if (!from_start) {
            // The peer's SETTINGS_MAX_FRAME_SIZE may have gone by unseen.
            max_frame_size_ = kLargestFrameSize;
            handler.on_resume();
        }
    }
    if (lost_) {
        if (!frame_start) {
            ++counters.pieces_skipped;
            return;
        }
        lost_ = false;
        next_ = offset;
        handler.on_resume();
    }
    if (offset < next_) {
        const std::uint64_t repeated = next_ - offset;
        if (repeated >= bytes.size()) {
            counters.bytes_repeated += bytes.size();
            return;
        }
        counters.bytes_repeated += repeated;
        bytes = bytes.subspan(static_cast<std::size_t>(repeated));
    } else if (offset > next_ && !skip_gap(offset - next_, handler, ts, counters)) {
        ++counters.losses;
        lose_framing(ts, handler);
        if (!frame_start) return;
        lost_ = false;
        next_ = offset;
        handler.on_resume();
    }
    consume(bytes, ts, handler, counters);
}

// A gap inside the current frame's payload is a payload the kernel did not copy (or lost
// bytes the frame can do without); frame boundaries are still known.
bool FrameReader::skip_gap(std::uint64_t gap, Handler& handler, std::int64_t ts, Counters& counters) {
    if (!in_payload_ || gap > payload_left_) return false;
    if (payload_.size() < payload_wanted_) payload_hole_ = true;
    payload_left_ -= static_cast<std::uint32_t>(gap);
    next_ += gap;
    if (payload_left_ == 0) end_frame(ts, handler, counters);
    return true;
}

void FrameReader::consume(std::span<const std::uint8_t> bytes, std::int64_t ts, Handler& handler, Counters& counters) {
    std::size_t at = 0;
    while (at < bytes.size() && !lost_) {
        const auto left = bytes.size() - at;
        if (preface_read_ < kClientPreface.size()) {
            const auto n = std::min(left, kClientPreface.size() - preface_read_);
            if (std::memcmp(bytes.data() + at, kClientPreface.data() + preface_read_, n) != 0) {
                ++counters.malformed;
                lose_framing(ts, handler);
                return;
            }
            preface_read_ += n;
            preface_seen_ = preface_read_ == kClientPreface.size();
            at += n;
            next_ += n;
        } else if (!in_payload_) {
            const auto n = std::min(left, kFrameHeaderSize - header_read_);
            std::memcpy(header_bytes_ + header_read_, bytes.data() + at, n);
            header_read_ += n;
            at += n;
            next_ += n;
            if (header_read_ == kFrameHeaderSize) start_frame(bytes.subspan(at), ts, handler, counters);
        } else {
            const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(left, payload_left_));
            if (!payload_hole_ && payload_.size() < payload_wanted_) {
                const auto keep = std::min(n, payload_wanted_ - payload_.size());
                payload_.append(reinterpret_cast<const char*>(bytes.data() + at), keep);
            }
            payload_left_ -= static_cast<std::uint32_t>(n);
            at += n;
            next_ += n;
            if (payload_left_ == 0) end_frame(ts, handler, counters);
        }
    }
}

void FrameReader::start_frame(std::span<const std::uint8_t> rest, std::int64_t ts, Handler& handler,
                              Counters& counters) {
    header_ = parse_frame_header(std::span<const std::uint8_t, kFrameHeaderSize>(header_bytes_));
    header_read_ = 0;
    ++counters.frames;
    if (!frame_header_error(header_, max_frame_size_).empty()) {
        ++counters.malformed;
        lose_framing(ts, handler);
        return;
    }
    in_payload_ = header_.length > 0;
    payload_left_ = header_.length;
    payload_wanted_ = kept_payload(header_);
    if (!waits_for_payload(header_)) {
        if (!handler.on_frame(header_, rest.first(std::min<std::size_t>(rest.size(), header_.length)), ts)) {
            ++counters.malformed;
            lose_framing(ts, handler);
        }
        return;
    }
    if (header_.length == 0) end_frame(ts, handler, counters);
}

void FrameReader::end_frame(std::int64_t ts, Handler& handler, Counters& counters) {
    const auto header = header_;
    const auto payload = std::move(payload_);
    reset_frame();
    if (waits_for_payload(header) && !handler.on_frame(header, bytes_of(payload), ts)) {
        ++counters.malformed;
        lose_framing(ts, handler);
    }
}

void FrameReader::lose_framing(std::int64_t ts, Handler& handler) {
    // A frame cut short still says what it had: the first fields of a header block, say.
    if (in_payload_ && waits_for_payload(header_)) {
        const auto header = header_;
        const auto payload = std::move(payload_);
        reset_frame();
        handler.on_frame(header, bytes_of(payload), ts);
    }
    reset_frame();
    preface_read_ = kClientPreface.size();
    lost_ = true;
    handler.on_loss(ts);
}

void FrameReader::reset_frame() {
    header_read_ = 0;
    in_payload_ = false;
    payload_left_ = 0;
    payload_wanted_ = 0;
    payload_hole_ = false;
    payload_.clear();
}

}  // namespace egresswatch::http2
