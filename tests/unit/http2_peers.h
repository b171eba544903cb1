#pragma once
// A real HTTP/2 client and server (nghttp2 sessions) talking in memory, so the passive decoder
// is tested on the bytes a real implementation writes, not on hand-made ones. Each side's
// writes are logged with their offset in that side's stream, and its frames are indexed, so a
// test can feed the decoder the way the kernel will: whole writes, split, or as the kernel
// copies them (frame headers on their own, payloads other than header blocks and a few control
// frames left out).

#include <nghttp2/nghttp2.h>

#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "protocols/http2/connection.h"

namespace egresswatch::http2::peers {

using Headers = std::vector<std::pair<std::string, std::string>>;

// One nghttp2_session_mem_send round of one side: what one library call would write.
struct Write {
    Side side = Side::client;
    std::uint64_t offset = 0;
    std::string bytes;
    std::int64_t ts = 0;  // (index in the log + 1) * 1000
};

struct FrameSpan {
    std::uint64_t offset = 0;  // of the frame header
    std::uint32_t length = 0;  // payload
    std::uint8_t type = 0, flags = 0;
    std::uint32_t stream_id = 0;
    std::uint64_t end() const { return offset + 9 + length; }
};

// What the decoder is fed.
struct Piece {
    Side side = Side::client;
    std::uint64_t offset = 0;
    std::string bytes;
    bool frame_start = false;
    std::int64_t ts = 0;
};

class Peers {
public:
    // The server allows 1000 concurrent streams; both exchange their SETTINGS at once.
    explicit Peers(std::vector<nghttp2_settings_entry> client_settings = {},
                   std::vector<nghttp2_settings_entry> server_settings = {});
    ~Peers();
    Peers(const Peers&) = delete;
    Peers& operator=(const Peers&) = delete;

    std::int32_t request(const Headers& headers, std::string body = {});
    void respond(std::int32_t stream, const Headers& headers, std::string body = {}, Headers trailers = {});
    void informational(std::int32_t stream, const Headers& headers);  // a 1xx HEADERS
    std::int32_t push(std::int32_t stream, const Headers& request_headers);
    void reset(Side by, std::int32_t stream, std::uint32_t code);
    void goaway(std::int32_t last_stream_id, std::uint32_t code);  // from the server
    void settings(Side by, std::vector<nghttp2_settings_entry> entries);
    // HEADERS and DATA frames sent from now on are PADDED with this many bytes (the pad length
    // byte included).
    void pad_frames(std::size_t bytes) { padding_ = bytes; }
    // Sends what both sides queued, each reading the other's bytes, until both are quiet.
    void flush();

    // A side that rejected what it read (nghttp2 refuses some of what the tests send, like a
    // block of more than 8 CONTINUATIONs) reads and writes nothing more.
    bool failed(Side side) const { return failed_[side == Side::client ? 0 : 1]; }
    const std::vector<Write>& writes() const { return writes_; }
    const std::string& stream(Side side) const { return side == Side::client ? client_stream_ : server_stream_; }
    std::vector<FrameSpan> frames(Side side) const;
    // The first frame of that type on that stream (FrameSpan{} with length 0 and offset 0 if none).
    FrameSpan frame(Side side, FrameType type, std::uint32_t stream_id, int nth = 0) const;
    // The ts of the write that held the byte before `end`: what completed a frame ending there.
    std::int64_t ts_at(Side side, std::uint64_t end) const;

    // Each write as one piece.
    std::vector<Piece> whole() const;
    // As bpf/lib/tls_h2.bpf.h copies: the preface and each frame header (frame_start), the
    // payloads of HEADERS, CONTINUATION, PUSH_PROMISE, SETTINGS, RST_STREAM and GOAWAY as the
    // writes hold them (in the header's piece when the header is whole in that write), nothing
    // of the others.
    std::vector<Piece> kernel_copies() const;

private:
    struct Body {
        std::string bytes;
        std::size_t sent = 0;
        Headers trailers;
    };
    static ssize_t read_body(nghttp2_session* session, std::int32_t stream, std::uint8_t* buf, std::size_t length,
                             std::uint32_t* flags, nghttp2_data_source* source, void* user);
    nghttp2_data_provider provider(std::string body, Headers trailers);
    bool send(Side side);

    nghttp2_session* client_ = nullptr;
    nghttp2_session* server_ = nullptr;
    std::deque<Body> bodies_;  // stable addresses for the data providers
    std::vector<Write> writes_;
    std::string client_stream_, server_stream_;
    bool failed_[2] = {false, false};
    std::size_t padding_ = 0;
};

// Every piece cut into pieces of at most `size` bytes (frame_start kept on the first).
std::vector<Piece> split_every(const std::vector<Piece>& pieces, std::size_t size);
// Every piece cut at random points (a fixed seed).
std::vector<Piece> split_randomly(const std::vector<Piece>& pieces, unsigned seed);
// frame_start set where a piece begins a frame (or the preface), by the peers' frame index.
std::vector<Piece> mark_frame_starts(std::vector<Piece> pieces, const Peers& peers);

void feed(Connection& connection, const std::vector<Piece>& pieces);

}  // namespace egresswatch::http2::peers
