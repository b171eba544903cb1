#pragma once
// What the HTTP/2 decoder reports: one record per stream (a request and its response), and
// the counters of everything it could not read or chose not to keep.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace egresswatch::http2 {

// Who sent the bytes: the client's direction carries requests, the server's responses.
enum class Side : std::uint8_t { client, server };

struct Field {
    std::string name;  // as on the wire (lower-case in HTTP/2)
    std::string value;
};

struct Exchange {
    std::uint32_t stream_id = 0;
    std::int64_t request_ts_ns = 0;   // the piece that completed the request headers; 0: not seen
    std::int64_t response_ts_ns = 0;  // the piece that completed the first response headers (1xx
                                      // included: the server's first answer); 0: none
    // Pseudo-header fields; null when absent or not decodable (hpack_desync). authority falls
    // back to the Host header.
    std::optional<std::string> method, scheme, authority, path;
    std::vector<Field> request_headers;  // regular fields, in order, at most kMaxKeptHeaders
    std::optional<int> status;           // of the final response (1xx skipped)
    std::vector<Field> response_headers;
    std::vector<Field> trailers;                          // the response's trailing header block
    std::uint64_t request_bytes = 0, response_bytes = 0;  // DATA payload, padding excluded when known
    bool grpc = false;                                    // request content-type application/grpc*
    std::optional<int> grpc_status;                       // from the trailers, or from a trailers-only response
    std::optional<std::uint32_t> reset_code;              // RST_STREAM from either side
    bool refused_by_goaway = false;                       // above the last stream id of the server's GOAWAY
    // A header block of this stream could not be decoded whole, or its request's was never
    // seen (joined after it, or lost): what is null may have been sent.
    bool hpack_desync = false;
    bool finished = false;  // false: handed over by take_all() while still open
};

struct Counters {
    std::uint64_t frames = 0;            // frame headers read, both directions
    std::uint64_t unknown_frames = 0;    // of types RFC 9113 does not define: skipped (section 5.5)
    std::uint64_t header_blocks = 0;     // header blocks read to their end (END_HEADERS)
    std::uint64_t desync_blocks = 0;     // ... of which some field could not be decoded
    std::uint64_t hpack_errors = 0;      // blocks nghttp2 rejected: that direction's table is forgotten
    std::uint64_t blocks_too_large = 0;  // header blocks over kMaxHeaderBlock: not decoded
    std::uint64_t frames_cut = 0;        // frames needed whole that arrived with bytes missing
    std::uint64_t losses = 0;            // bytes missing across a frame boundary: framing lost
    std::uint64_t malformed = 0;         // framing that breaks RFC 9113: framing lost
    std::uint64_t pieces_skipped = 0;    // pieces dropped while waiting for a frame start
    std::uint64_t bytes_repeated = 0;    // bytes at offsets already read: ignored
    std::uint64_t streams_dropped = 0;   // open exchanges dropped, oldest first, over kMaxOpenStreams
    std::uint64_t finished_dropped = 0;  // finished exchanges dropped, oldest first, not taken in time
    std::uint64_t headers_dropped = 0;   // fields over kMaxKeptHeaders in a block: not kept
    std::uint64_t values_truncated = 0;  // names or values cut at kMaxHeaderValue
    std::uint64_t pushes = 0;            // PUSH_PROMISE frames: pushed streams are not recorded
};

}  // namespace egresswatch::http2
