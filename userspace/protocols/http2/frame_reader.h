#pragma once
// One direction of a connection, from the pieces the kernel copied back into frames. Pieces
// carry their offset in the direction's stream; the kernel copies every frame header, but not
// the payload of every frame (DATA above all), so a gap inside a frame is expected: only the
// frames the decoder reads are buffered, and one of those that misses bytes is handed over
// cut. A gap that reaches past the end of the current frame lost at least one frame header:
// framing is lost, and nothing is read until a piece the kernel marks as starting a frame.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "protocols/http2/exchange.h"
#include "protocols/http2/frame.h"

namespace egresswatch::http2 {

class FrameReader {
public:
    class Handler {
    public:
        virtual ~Handler() = default;
        // A frame. HEADERS, PUSH_PROMISE, CONTINUATION, SETTINGS, RST_STREAM and GOAWAY come
        // when their payload ends, with the bytes read (shorter than header.length when some
        // were missing or, past kMaxKeptPayload, not kept). The others come as soon as their
        // header is read, with whatever of their payload followed it in the same piece.
        // false: the frame breaks the protocol, and framing is lost.
        virtual bool on_frame(const FrameHeader& header, std::span<const std::uint8_t> payload, std::int64_t ts) = 0;
        // Framing was lost (missing bytes, or malformed frames).
        virtual void on_loss(std::int64_t ts) = 0;
        // Reading starts at a frame boundary after bytes never seen: the first piece of a
        // direction joined mid-connection, or the first frame start after a loss.
        virtual void on_resume() = 0;
    };

    // client: this direction begins with the connection preface. start_seen: the connection's
    // first bytes will be fed (at offset 0).
    FrameReader(Side side, bool start_seen);

    void feed(std::uint64_t offset, std::span<const std::uint8_t> bytes, bool frame_start, std::int64_t ts,
              Handler& handler, Counters& counters);

    // The peer's SETTINGS_MAX_FRAME_SIZE. Only ever raised: frames sent before the peer's
    // acknowledgment of a smaller value may still be larger.
    void allow_frame_size(std::uint32_t size);
    // Framing is lost until a frame start (after an exception, say).
    void lose() { lost_ = true; }
    bool preface_seen() const { return preface_seen_; }
    // The stream of a HEADERS or CONTINUATION frame whose payload is still to come (or will
    // never come: only the next piece tells).
    std::optional<std::uint32_t> pending_block_stream() const;

private:
    bool skip_gap(std::uint64_t gap, Handler& handler, std::int64_t ts, Counters& counters);
    void consume(std::span<const std::uint8_t> bytes, std::int64_t ts, Handler& handler, Counters& counters);
    void start_frame(std::span<const std::uint8_t> rest, std::int64_t ts, Handler& handler, Counters& counters);
    void end_frame(std::int64_t ts, Handler& handler, Counters& counters);
    void lose_framing(std::int64_t ts, Handler& handler);
    void reset_frame();

    Side side_;
    bool start_seen_;
    bool started_ = false;
    bool lost_ = false;
    bool preface_seen_ = false;
    std::size_t preface_read_ = kClientPreface.size();  // < size: inside the preface
    std::uint64_t next_ = 0;                            // offset of the next byte expected
    std::uint32_t max_frame_size_ = kDefaultMaxFrameSize;

    // The current frame.
    std::uint8_t header_bytes_[kFrameHeaderSize] = {};
    std::size_t header_read_ = 0;
    bool in_payload_ = false;
    FrameHeader header_;
    std::uint32_t payload_left_ = 0;
    std::size_t payload_wanted_ = 0;  // the payload bytes kept for the handler
    bool payload_hole_ = false;       // bytes missing in the kept part: what follows is not kept
    std::string payload_;
};

}  // namespace egresswatch::http2
