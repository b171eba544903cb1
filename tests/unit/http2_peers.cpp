#include "http2_peers.h"

#include <algorithm>
#include <cstring>
#include <random>
#include <stdexcept>

namespace egresswatch::http2::peers {
namespace {

std::vector<nghttp2_nv> name_values(const Headers& headers) {
    std::vector<nghttp2_nv> out;
    for (const auto& [name, value] : headers) {
        out.push_back({reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
                       reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(),
                       NGHTTP2_NV_FLAG_NONE});
    }
    return out;
}

void check(long result, const char* what) {
    if (result < 0) throw std::runtime_error(std::string(what) + ": " + nghttp2_strerror(static_cast<int>(result)));
}

bool copied(std::uint8_t type) {
    switch (static_cast<FrameType>(type)) {
    case FrameType::headers:
    case FrameType::continuation:
    case FrameType::push_promise:
    case FrameType::settings:
    case FrameType::rst_stream:
    case FrameType::goaway: return true;
    default: return false;
    }
}

}  // namespace

Peers::Peers(std::vector<nghttp2_settings_entry> client_settings, std::vector<nghttp2_settings_entry> server_settings) {
    nghttp2_session_callbacks* callbacks = nullptr;
    check(nghttp2_session_callbacks_new(&callbacks), "callbacks");
    nghttp2_session_callbacks_set_select_padding_callback(
        callbacks, [](nghttp2_session*, const nghttp2_frame* frame, std::size_t max, void* user) -> ssize_t {
            return static_cast<ssize_t>(std::min(max, frame->hd.length + static_cast<Peers*>(user)->padding_));
        });
    nghttp2_option* option = nullptr;
    check(nghttp2_option_new(&option), "option");
    // Tests send header blocks up to 400 KB, past nghttp2's 64 KiB default.
    nghttp2_option_set_max_send_header_block_length(option, 1 << 20);
    check(nghttp2_session_client_new2(&client_, callbacks, this, option), "client");
    check(nghttp2_session_server_new2(&server_, callbacks, this, option), "server");
    nghttp2_option_del(option);
    nghttp2_session_callbacks_del(callbacks);
    server_settings.push_back({NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 1000});
    check(nghttp2_submit_settings(client_, NGHTTP2_FLAG_NONE, client_settings.data(), client_settings.size()),
          "client settings");
    check(nghttp2_submit_settings(server_, NGHTTP2_FLAG_NONE, server_settings.data(), server_settings.size()),
          "server settings");
    flush();
}

Peers::~Peers() {
    nghttp2_session_del(client_);
    nghttp2_session_del(server_);
}

ssize_t Peers::read_body(nghttp2_session* session, std::int32_t stream, std::uint8_t* buf, std::size_t length,
                         std::uint32_t* flags, nghttp2_data_source* source, void*) {
    auto& body = *static_cast<Body*>(source->ptr);
    const auto n = std::min(length, body.bytes.size() - body.sent);
    std::memcpy(buf, body.bytes.data() + body.sent, n);
    body.sent += n;
    if (body.sent == body.bytes.size()) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        if (!body.trailers.empty()) {
            *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
            const auto nv = name_values(body.trailers);
            if (nghttp2_submit_trailer(session, stream, nv.data(), nv.size()) != 0)
                return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
        }
    }
    return static_cast<ssize_t>(n);
}

nghttp2_data_provider Peers::provider(std::string body, Headers trailers) {
    bodies_.push_back({std::move(body), 0, std::move(trailers)});
    nghttp2_data_provider provider{};
    provider.source.ptr = &bodies_.back();
    provider.read_callback = read_body;
    return provider;
}

std::int32_t Peers::request(const Headers& headers, std::string body) {
    const auto nv = name_values(headers);
    auto data = provider(std::move(body), {});
    const bool has_body = !bodies_.back().bytes.empty();
    const auto id = nghttp2_submit_request(client_, nullptr, nv.data(), nv.size(), has_body ? &data : nullptr, nullptr);
    check(id, "request");
    return id;
}

void Peers::respond(std::int32_t stream, const Headers& headers, std::string body, Headers trailers) {
    const auto nv = name_values(headers);
    const bool has_data = !body.empty() || !trailers.empty();
    auto data = provider(std::move(body), std::move(trailers));
    check(nghttp2_submit_response(server_, stream, nv.data(), nv.size(), has_data ? &data : nullptr), "response");
}

void Peers::informational(std::int32_t stream, const Headers& headers) {
    const auto nv = name_values(headers);
    check(nghttp2_submit_headers(server_, NGHTTP2_FLAG_NONE, stream, nullptr, nv.data(), nv.size(), nullptr),
          "informational");
}

std::int32_t Peers::push(std::int32_t stream, const Headers& request_headers) {
    const auto nv = name_values(request_headers);
    const auto id = nghttp2_submit_push_promise(server_, NGHTTP2_FLAG_NONE, stream, nv.data(), nv.size(), nullptr);
    check(id, "push");
    return id;
}

void Peers::reset(Side by, std::int32_t stream, std::uint32_t code) {
    check(nghttp2_submit_rst_stream(by == Side::client ? client_ : server_, NGHTTP2_FLAG_NONE, stream, code), "reset");
}

void Peers::goaway(std::int32_t last_stream_id, std::uint32_t code) {
    check(nghttp2_submit_goaway(server_, NGHTTP2_FLAG_NONE, last_stream_id, code, nullptr, 0), "goaway");
}

void Peers::settings(Side by, std::vector<nghttp2_settings_entry> entries) {
    check(nghttp2_submit_settings(by == Side::client ? client_ : server_, NGHTTP2_FLAG_NONE, entries.data(),
                                  entries.size()),
          "settings");
}

void Peers::flush() {
    for (int round = 0; round < 1000; ++round) {
        const bool client_sent = send(Side::client);
        const bool server_sent = send(Side::server);
        if (!client_sent && !server_sent) return;
    }
    throw std::runtime_error("the peers never went quiet");
}

bool Peers::send(Side side) {
    if (failed_[side == Side::client ? 0 : 1]) return false;
    auto* from = side == Side::client ? client_ : server_;
    auto* to = side == Side::client ? server_ : client_;
    std::string bytes;
    for (;;) {
        const std::uint8_t* data = nullptr;
        const auto n = nghttp2_session_mem_send(from, &data);
        check(n, "mem_send");
        if (n == 0) break;
        bytes.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
    }
    if (bytes.empty()) return false;
    auto& stream = side == Side::client ? client_stream_ : server_stream_;
    writes_.push_back({side, stream.size(), bytes, static_cast<std::int64_t>(writes_.size() + 1) * 1000});
    stream += bytes;
    auto& receiver_failed = failed_[side == Side::client ? 1 : 0];
    if (!receiver_failed)
        receiver_failed =
            nghttp2_session_mem_recv(to, reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()) < 0;
    return true;
}

std::vector<FrameSpan> Peers::frames(Side side) const {
    const auto& bytes = stream(side);
    std::vector<FrameSpan> out;
    std::size_t at = side == Side::client ? kClientPreface.size() : 0;
    while (at + 9 <= bytes.size()) {
        const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(bytes[at + i]); };
        FrameSpan frame;
        frame.offset = at;
        frame.length = (std::uint32_t{byte(0)} << 16) | (std::uint32_t{byte(1)} << 8) | byte(2);
        frame.type = byte(3);
        frame.flags = byte(4);
        frame.stream_id = ((std::uint32_t{byte(5)} << 24) | (std::uint32_t{byte(6)} << 16) |
                           (std::uint32_t{byte(7)} << 8) | byte(8)) &
                          0x7FFFFFFF;
        out.push_back(frame);
        at = frame.end();
    }
    return out;
}

FrameSpan Peers::frame(Side side, FrameType type, std::uint32_t stream_id, int nth) const {
    for (const auto& frame : frames(side))
        if (frame.type == static_cast<std::uint8_t>(type) && frame.stream_id == stream_id && nth-- == 0) return frame;
    return {};
}

std::int64_t Peers::ts_at(Side side, std::uint64_t end) const {
    for (const auto& write : writes_)
        if (write.side == side && write.offset < end && end <= write.offset + write.bytes.size()) return write.ts;
    return 0;
}

std::vector<Piece> Peers::whole() const {
    std::vector<Piece> out;
    for (const auto& write : writes_) out.push_back({write.side, write.offset, write.bytes, false, write.ts});
    return mark_frame_starts(std::move(out), *this);
}

std::vector<Piece> Peers::kernel_copies() const {
    std::vector<Piece> out;
    const auto client_frames = frames(Side::client);
    const auto server_frames = frames(Side::server);
    for (const auto& write : writes_) {
        const auto& all = stream(write.side);
        const auto begin = write.offset, end = write.offset + write.bytes.size();
        // [from, to) of the stream, clipped to this write.
        const auto copy = [&](std::uint64_t from, std::uint64_t to, bool frame_start) {
            from = std::max(from, begin);
            to = std::min(to, end);
            if (from < to) out.push_back({write.side, from, all.substr(from, to - from), frame_start, write.ts});
        };
        if (write.side == Side::client && begin == 0) copy(0, kClientPreface.size(), true);
        for (const auto& frame : write.side == Side::client ? client_frames : server_frames) {
            // The header is copied whole by the call that completes it, with the payload in the
            // same piece when that is copied and the header is whole in this call.
            const auto header_end = frame.offset + 9;
            if (copied(frame.type) && begin <= frame.offset && header_end <= end) {
                copy(frame.offset, frame.end(), true);
                continue;
            }
            if (begin < header_end && header_end <= end)
                out.push_back({write.side, frame.offset, all.substr(frame.offset, 9), true, write.ts});
            if (copied(frame.type)) copy(header_end, frame.end(), false);
        }
    }
    return out;
}

std::vector<Piece> split_every(const std::vector<Piece>& pieces, std::size_t size) {
    std::vector<Piece> out;
    for (const auto& piece : pieces) {
        for (std::size_t at = 0; at < piece.bytes.size(); at += size)
            out.push_back(
                {piece.side, piece.offset + at, piece.bytes.substr(at, size), piece.frame_start && at == 0, piece.ts});
    }
    return out;
}

std::vector<Piece> split_randomly(const std::vector<Piece>& pieces, unsigned seed) {
    std::mt19937 random(seed);
    std::vector<Piece> out;
    for (const auto& piece : pieces) {
        std::size_t at = 0;
        while (at < piece.bytes.size()) {
            const auto n = std::uniform_int_distribution<std::size_t>(1, 40)(random);
            out.push_back(
                {piece.side, piece.offset + at, piece.bytes.substr(at, n), piece.frame_start && at == 0, piece.ts});
            at += n;
        }
    }
    return out;
}

std::vector<Piece> mark_frame_starts(std::vector<Piece> pieces, const Peers& peers) {
    const auto client_frames = peers.frames(Side::client);
    const auto server_frames = peers.frames(Side::server);
    for (auto& piece : pieces) {
        const auto& frames = piece.side == Side::client ? client_frames : server_frames;
        piece.frame_start = (piece.side == Side::client && piece.offset == 0) ||
                            std::any_of(frames.begin(), frames.end(),
                                        [&](const FrameSpan& frame) { return frame.offset == piece.offset; });
    }
    return pieces;
}

void feed(Connection& connection, const std::vector<Piece>& pieces) {
    for (const auto& piece : pieces)
        connection.feed(piece.side, piece.offset, piece.bytes, piece.frame_start, piece.ts);
}

}  // namespace egresswatch::http2::peers
