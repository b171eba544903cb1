#pragma once
// A passive HTTP/2 decoder for one connection: the pieces the kernel copied from each
// direction in, one Exchange per stream out. Pure logic, hostile input: nothing it is fed can
// crash it, throw out of it, or grow it without bound.
//
// What cannot be known is reported as unknown, never guessed:
//  - Joined mid-connection (start not seen, or a direction's first piece past offset 0):
//    that piece is taken to begin a frame, and the dynamic table as forgotten
//    (hpack_inflater.h): a field that refers to an entry inserted before the join is unknown,
//    its exchange gets hpack_desync, and the entries inserted since decode as usual.
//  - nghttp2 rejects a block (an index past every entry, a bad Huffman code): the fields
//    decoded before are kept (desync), and since the block's later insertions are unknown,
//    the table is forgotten again. A later block is desync only if it refers to a forgotten
//    entry, or fails too.
//  - A frame the decoder reads (a header block, SETTINGS, RST_STREAM, GOAWAY) misses bytes
//    inside it (a gap that ends within the frame: the kernel did not copy it, or lost part of
//    it): framing holds; a header block decodes what came before the hole, the rest of it is
//    not decoded (desync) and the table is forgotten when it ends.
//  - A gap past the end of the current frame, or framing that breaks RFC 9113 (a bad frame
//    header, a CONTINUATION out of place, a bad preface): framing is lost. A block in
//    progress ends with what it had (desync); the direction's later pieces are skipped until
//    one with frame_start, where reading resumes as after a join.

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "protocols/http2/block_decoder.h"
#include "protocols/http2/exchange.h"
#include "protocols/http2/frame.h"
#include "protocols/http2/frame_reader.h"

namespace egresswatch::http2 {

inline constexpr std::size_t kMaxOpenStreams = 256;
inline constexpr std::size_t kMaxFinishedQueued = 1024;  // until take_finished()
inline constexpr std::size_t kRecentlyClosedStreams = 1024;

class Connection {
public:
    // start_seen: the connection's first bytes will be fed (the client's preface at offset 0).
    explicit Connection(bool start_seen);

    // offset: of bytes[0] in that side's stream since the connection start. frame_start: the
    // kernel knows bytes begin with a frame header (or the preface). ts_ns: when they were
    // captured, copied into the exchanges they complete.
    void feed(Side side, std::uint64_t offset, std::string_view bytes, bool frame_start, std::int64_t ts_ns);

    // Exchanges finished since the last call, in the order they finished: the response ended
    // (END_STREAM from the server), the stream was reset, or a GOAWAY refused it.
    std::vector<Exchange> take_finished();
    // The connection ended or timed out: the finished ones, then the rest in stream id order
    // (finished = false, unless only the end of their request block was awaited).
    std::vector<Exchange> take_all();

    const Counters& counters() const { return counters_; }
    bool preface_seen() const { return directions_[0].reader.preface_seen(); }

private:
    struct Direction {
        Direction(Side side, bool start_seen) : reader(side, start_seen), blocks(start_seen) {}
        FrameReader reader;
        HeaderBlockDecoder blocks;
        // This side's SETTINGS not yet acknowledged by the peer, each with its
        // SETTINGS_HEADER_TABLE_SIZE: a smaller table applies to the peer's encoder from the
        // acknowledgment on (RFC 7541 4.2), and the peer's next block says so in-band.
        std::deque<std::optional<std::uint32_t>> unacked_table_sizes;
    };

    struct Stream {
        Exchange exchange;
        bool request_seen = false;
        bool final_response_seen = false;
        // The server ended the stream while its request block was still being read: it
        // finishes when that block ends.
        bool response_ended = false;
        std::uint64_t opened = 0;  // order of opening: the oldest is dropped first
    };

    class Router;  // FrameReader::Handler for one side

    Direction& direction(Side side) { return directions_[side == Side::client ? 0 : 1]; }
    bool on_frame(Side side, const FrameHeader& header, std::span<const std::uint8_t> payload, std::int64_t ts);
    void on_loss(Side side, std::int64_t ts);
    bool on_data(Side side, const FrameHeader& header, std::span<const std::uint8_t> first_bytes);
    void on_block(Side side, DecodedBlock block, std::int64_t ts);
    void on_settings(Side side, const FrameHeader& header, std::span<const std::uint8_t> payload);
    void on_goaway(Side side, std::span<const std::uint8_t> payload);

    Stream* stream(std::uint32_t id);  // an open stream, opened unless recently closed
    void end_response(std::uint32_t id);
    bool request_block_pending(std::uint32_t id);
    void finish(std::uint32_t id);
    void finish_if_refused(std::uint32_t id);
    void drop_oldest();
    void remember_closed(std::uint32_t id);
    bool recently_closed(std::uint32_t id) const;

    std::array<Direction, 2> directions_;
    std::map<std::uint32_t, Stream> streams_;  // open, by id
    std::deque<Exchange> finished_;
    // Closed streams' ids, so that their late frames (a WINDOW_UPDATE, the DATA of an upload
    // the server already answered) do not open them again.
    std::array<std::uint32_t, kRecentlyClosedStreams> closed_{};  // 0: empty
    std::size_t closed_next_ = 0;
    std::optional<std::uint32_t> goaway_last_stream_;
    std::uint64_t opened_ = 0;
    Counters counters_;
};

}  // namespace egresswatch::http2
