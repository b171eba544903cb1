#pragma once
// One direction's header blocks (RFC 9113 4.3): a HEADERS or PUSH_PROMISE frame and the
// CONTINUATION frames up to END_HEADERS, decoded frame by frame by the direction's HPACK
// inflater. Every block goes through the inflater, whatever stream it is for: each one may
// change the dynamic table the next ones refer to.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "protocols/http2/exchange.h"
#include "protocols/http2/frame.h"
#include "protocols/http2/header_block.h"
#include "protocols/http2/hpack_inflater.h"

namespace egresswatch::http2 {

// A block (all its frames' payloads) larger than this is not decoded: real ones are a few KiB.
inline constexpr std::size_t kMaxHeaderBlock = 256 * 1024;

struct DecodedBlock {
    std::uint32_t stream_id = 0;  // the stream it opens or answers (PUSH_PROMISE: the associated one)
    bool push_promise = false;
    bool end_stream = false;  // HEADERS with END_STREAM
    HeaderBlock fields;
};

// A block whose END_HEADERS is still to come.
struct OpenBlock {
    DecodedBlock block;
    std::size_t size = 0;  // payload bytes of its frames so far
    bool failed = false;   // not decoded to its end
};

class HeaderBlockDecoder {
public:
    enum class Step {
        more,      // no block ended
        complete,  // a block ended: take() it
        broken,    // the frame breaks the block rules: this direction's framing is not to be trusted
    };

    // history_seen: see HpackInflater.
    explicit HeaderBlockDecoder(bool history_seen);

    // A HEADERS, PUSH_PROMISE or CONTINUATION frame. A payload shorter than header.length lost
    // bytes: what came before the hole is decoded, the rest of the block is not.
    Step on_frame(const FrameHeader& header, std::span<const std::uint8_t> payload, Counters& counters);
    DecodedBlock take() { return std::move(*done_); }

    // A block is open: the next frame of this direction must be its CONTINUATION.
    bool in_block() const { return open_.has_value() || skipping_; }
    std::optional<std::uint32_t> open_stream() const {
        return open_ ? std::optional(open_->block.stream_id) : std::nullopt;
    }

    // Bytes were lost with a block open: it ends with what was decoded (desync).
    std::optional<DecodedBlock> cut(Counters& counters);

    // Reading restarts at a frame boundary after bytes never seen: the table is forgotten, and
    // the first frames may be the CONTINUATIONs of a block whose start was not seen.
    void resume();

    void set_table_limit(std::size_t bytes) { inflater_.set_table_limit(bytes); }
    std::size_t table_limit() const { return inflater_.table_limit(); }

private:
    void decode(std::span<const std::uint8_t> fragment, const FrameHeader& header, bool whole, Counters& counters);
    Step finish(Counters& counters);

    HpackInflater inflater_;
    std::optional<OpenBlock> open_;
    std::optional<DecodedBlock> done_;
    bool skipping_ = false;             // inside a block whose start was not seen
    bool may_start_mid_block_ = false;  // after resume(), until the first HEADERS or PUSH_PROMISE
};

}  // namespace egresswatch::http2
