#include "protocols/http2/connection.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "base/ascii.h"

namespace egresswatch::http2 {
namespace {

// A peer that never acknowledges would otherwise grow this without bound; the oldest are
// forgotten, which only delays a smaller table until the encoder's own in-band update.
constexpr std::size_t kMaxUnackedSettings = 16;

constexpr Side other(Side side) { return side == Side::client ? Side::server : Side::client; }

// Client-initiated streams are odd; even ones are pushed by the server, and not recorded.
constexpr bool client_stream(std::uint32_t id) { return id % 2 == 1; }

}  // namespace

class Connection::Router : public FrameReader::Handler {
public:
    Router(Connection& connection, Side side) : connection_(connection), side_(side) {}
    bool on_frame(const FrameHeader& header, std::span<const std::uint8_t> payload, std::int64_t ts) override {
        return connection_.on_frame(side_, header, payload, ts);
    }
    void on_loss(std::int64_t ts) override { connection_.on_loss(side_, ts); }
    void on_resume() override {
        auto& direction = connection_.direction(side_);
        direction.blocks.resume();
        // Acknowledgments may have gone by unseen: pairing them again could apply a smaller
        // table too early, which fails the next block; not applying it is harmless.
        direction.unacked_table_sizes.clear();
        connection_.direction(other(side_)).unacked_table_sizes.clear();
    }

private:
    Connection& connection_;
    Side side_;
};

Connection::Connection(bool start_seen)
    : directions_{Direction(Side::client, start_seen), Direction(Side::server, start_seen)} {}

void Connection::feed(Side side, std::uint64_t offset, std::string_view bytes, bool frame_start, std::int64_t ts_ns) {
    auto& reader = direction(side).reader;
    try {
        Router router(*this, side);
        const std::span data(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
        reader.feed(offset, data, frame_start, ts_ns, router, counters_);
    } catch (const std::exception&) {
        // Out of memory, in practice. The direction's state may be half-updated: read it again
        // only from a frame start.
        ++counters_.losses;
        reader.lose();
    }
}

std::vector<Exchange> Connection::take_finished() {
    std::vector<Exchange> out(std::make_move_iterator(finished_.begin()), std::make_move_iterator(finished_.end()));
    finished_.clear();
    return out;
}

std::vector<Exchange> Connection::take_all() {
    auto out = take_finished();
    for (auto& [id, stream] : streams_) {
        remember_closed(id);
        stream.exchange.hpack_desync = stream.exchange.hpack_desync || !stream.request_seen;
        stream.exchange.finished = stream.response_ended;
        out.push_back(std::move(stream.exchange));
    }
    streams_.clear();
    return out;
}

bool Connection::on_frame(Side side, const FrameHeader& header, std::span<const std::uint8_t> payload,
                          std::int64_t ts) {
    auto& blocks = direction(side).blocks;
    const bool block_frame =
        header.is(FrameType::headers) || header.is(FrameType::push_promise) || header.is(FrameType::continuation);
    if (block_frame) {
        switch (blocks.on_frame(header, payload, counters_)) {
        case HeaderBlockDecoder::Step::broken: return false;
        case HeaderBlockDecoder::Step::complete: on_block(side, blocks.take(), ts); break;
        case HeaderBlockDecoder::Step::more: break;
        }
        return true;
    }
    // RFC 9113 6.10: nothing may come between a block's frames.
    if (blocks.in_block()) return false;
    switch (static_cast<FrameType>(header.type)) {
    case FrameType::data: return on_data(side, header, payload);
    case FrameType::rst_stream:
        if (const auto code = parse_rst_stream(payload)) {
            // A reset opens nothing: the stream's record, if any, is already open.
            if (const auto it = streams_.find(header.stream_id); it != streams_.end()) {
                it->second.exchange.reset_code = *code;
                finish(header.stream_id);
            }
        } else {
            ++counters_.frames_cut;
        }
        return true;
    case FrameType::settings: on_settings(side, header, payload); return true;
    case FrameType::goaway: on_goaway(side, payload); return true;
    case FrameType::priority:
    case FrameType::ping:
    case FrameType::window_update: return true;
    default: ++counters_.unknown_frames; return true;
    }
}

void Connection::on_loss(Side side, std::int64_t ts) {
    if (auto block = direction(side).blocks.cut(counters_)) on_block(side, std::move(*block), ts);
}

bool Connection::on_data(Side side, const FrameHeader& header, std::span<const std::uint8_t> first_bytes) {
    const auto length = data_length(header, first_bytes);
    if (!length) return false;
    if (!client_stream(header.stream_id)) return true;
    auto* open = stream(header.stream_id);
    if (!open) return true;
    auto& exchange = open->exchange;
    (side == Side::client ? exchange.request_bytes : exchange.response_bytes) += *length;
    if (side == Side::server && header.has(frame_flag::end_stream))
        end_response(header.stream_id);
    else
        finish_if_refused(header.stream_id);
    return true;
}

void Connection::on_block(Side side, DecodedBlock block, std::int64_t ts) {
    if (block.push_promise) {
        ++counters_.pushes;
        return;
    }
    if (!client_stream(block.stream_id)) return;
    auto* open = stream(block.stream_id);
    if (!open) return;
    auto& exchange = open->exchange;
    auto& fields = block.fields;
    if (side == Side::client) {
        // A second client block is the request's trailers: not recorded.
        if (!open->request_seen) {
            open->request_seen = true;
            exchange.request_ts_ns = ts;
            exchange.method = std::move(fields.method);
            exchange.scheme = std::move(fields.scheme);
            exchange.authority = fields.authority ? std::move(fields.authority) : std::move(fields.host);
            exchange.path = std::move(fields.path);
            exchange.request_headers = std::move(fields.fields);
            exchange.grpc = fields.content_type && ascii_istarts_with(*fields.content_type, "application/grpc");
            exchange.hpack_desync = exchange.hpack_desync || fields.desync;
        }
        if (open->response_ended)
            finish(block.stream_id);
        else
            finish_if_refused(block.stream_id);
        return;
    }
    exchange.hpack_desync = exchange.hpack_desync || fields.desync;
    if (!open->final_response_seen) {
        if (exchange.response_ts_ns == 0) exchange.response_ts_ns = ts;
        const bool informational = fields.status && *fields.status >= 100 && *fields.status < 200;
        if (!informational || block.end_stream) {
            open->final_response_seen = true;
            exchange.status = fields.status;
            exchange.response_headers = std::move(fields.fields);
            if (block.end_stream) exchange.grpc_status = fields.grpc_status;  // trailers-only
        }
    } else {
        exchange.trailers = std::move(fields.fields);
        if (fields.grpc_status) exchange.grpc_status = fields.grpc_status;
    }
    if (block.end_stream)
        end_response(block.stream_id);
    else
        finish_if_refused(block.stream_id);
}

void Connection::on_settings(Side side, const FrameHeader& header, std::span<const std::uint8_t> payload) {
    auto& peer_settings = direction(other(side)).unacked_table_sizes;
    if (header.has(frame_flag::ack)) {
        if (peer_settings.empty()) return;
        const auto size = peer_settings.front();
        peer_settings.pop_front();
        auto& blocks = direction(side).blocks;
        if (size && *size < blocks.table_limit()) blocks.set_table_limit(*size);
        return;
    }
    if (payload.size() < header.length) ++counters_.frames_cut;
    // These settings govern what the other side sends.
    auto& peer = direction(other(side));
    std::optional<std::uint32_t> table_size;
    for (const auto& setting : parse_settings(payload)) {
        if (setting.id == kSettingsHeaderTableSize) table_size = setting.value;
        if (setting.id == kSettingsMaxFrameSize) peer.reader.allow_frame_size(setting.value);
    }
    // A larger table may be used as soon as the peer reads this; allowing it early is harmless.
    if (table_size && *table_size > peer.blocks.table_limit()) peer.blocks.set_table_limit(*table_size);
    auto& unacked = direction(side).unacked_table_sizes;
    if (unacked.size() >= kMaxUnackedSettings) unacked.pop_front();
    unacked.push_back(table_size);
}

void Connection::on_goaway(Side side, std::span<const std::uint8_t> payload) {
    const auto goaway = parse_goaway(payload);
    if (!goaway) {
        ++counters_.frames_cut;
        return;
    }
    // The client's GOAWAY concerns pushed streams only, which are not recorded.
    if (side != Side::server) return;
    goaway_last_stream_ = std::min(goaway_last_stream_.value_or(goaway->last_stream_id), goaway->last_stream_id);
    std::vector<std::uint32_t> refused;
    for (const auto& [id, open] : streams_)
        if (id > *goaway_last_stream_) refused.push_back(id);
    for (const auto id : refused) finish_if_refused(id);
}

Connection::Stream* Connection::stream(std::uint32_t id) {
    if (const auto it = streams_.find(id); it != streams_.end()) return &it->second;
    if (recently_closed(id)) return nullptr;
    if (streams_.size() >= kMaxOpenStreams) drop_oldest();
    auto& opened = streams_[id];
    opened.exchange.stream_id = id;
    opened.opened = ++opened_;
    return &opened;
}

// The request of a stream comes before its response on the wire, but a request block the
// kernel did not copy (or copied with a hole) is only known to be complete when the client's
// next piece arrives, which may come after the response.
void Connection::end_response(std::uint32_t id) {
    const auto it = streams_.find(id);
    if (it == streams_.end()) return;
    if (!it->second.request_seen && request_block_pending(id)) {
        it->second.response_ended = true;
        return;
    }
    finish(id);
}

bool Connection::request_block_pending(std::uint32_t id) {
    const auto& client = direction(Side::client);
    return client.reader.pending_block_stream() == id || client.blocks.open_stream() == id;
}

void Connection::finish(std::uint32_t id) {
    const auto it = streams_.find(id);
    if (it == streams_.end()) return;
    auto exchange = std::move(it->second.exchange);
    // A request never seen (before a join, or lost): what it said is unknown, not absent.
    exchange.hpack_desync = exchange.hpack_desync || !it->second.request_seen;
    streams_.erase(it);
    remember_closed(id);
    exchange.finished = true;
    if (finished_.size() >= kMaxFinishedQueued) {
        finished_.pop_front();
        ++counters_.finished_dropped;
    }
    finished_.push_back(std::move(exchange));
}

void Connection::finish_if_refused(std::uint32_t id) {
    if (!goaway_last_stream_ || id <= *goaway_last_stream_) return;
    const auto it = streams_.find(id);
    if (it == streams_.end()) return;
    it->second.exchange.refused_by_goaway = true;
    finish(id);
}

void Connection::drop_oldest() {
    const auto oldest = std::min_element(streams_.begin(), streams_.end(), [](const auto& a, const auto& b) {
        return a.second.opened < b.second.opened;
    });
    if (oldest == streams_.end()) return;
    remember_closed(oldest->first);
    streams_.erase(oldest);
    ++counters_.streams_dropped;
}

void Connection::remember_closed(std::uint32_t id) {
    closed_[closed_next_] = id;
    closed_next_ = (closed_next_ + 1) % closed_.size();
}

bool Connection::recently_closed(std::uint32_t id) const {
    return std::find(closed_.begin(), closed_.end(), id) != closed_.end();
}

}  // namespace egresswatch::http2
