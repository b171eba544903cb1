#include "protocols/http2/block_decoder.h"

#include <algorithm>

namespace egresswatch::http2 {

HeaderBlockDecoder::HeaderBlockDecoder(bool history_seen)
    : inflater_(history_seen), may_start_mid_block_(!history_seen) {}

HeaderBlockDecoder::Step HeaderBlockDecoder::on_frame(const FrameHeader& header, std::span<const std::uint8_t> payload,
                                                      Counters& counters) {
    done_.reset();
    const bool whole = payload.size() >= header.length;
    if (!whole) ++counters.frames_cut;
    payload = payload.first(std::min<std::size_t>(payload.size(), header.length));

    if (header.is(FrameType::continuation)) {
        if (skipping_ || (!open_ && may_start_mid_block_)) {
            // The tail of a block whose start was not seen: it cannot be decoded, and its
            // insertions are unknown, so the table is forgotten once it ends.
            skipping_ = !header.has(frame_flag::end_headers);
            if (!skipping_) {
                ++counters.desync_blocks;
                inflater_.forget_table();
            }
            return Step::more;
        }
        if (!open_ || open_->block.stream_id != header.stream_id) return Step::broken;
        decode(payload, header, whole, counters);
        return header.has(frame_flag::end_headers) ? finish(counters) : Step::more;
    }

    if (open_ || skipping_) return Step::broken;
    may_start_mid_block_ = false;
    const auto bounds = header_block_fragment(header, payload);
    if (!bounds && whole) return Step::broken;  // padding longer than the frame

    open_.emplace();
    open_->block.stream_id = header.stream_id;
    open_->block.push_promise = header.is(FrameType::push_promise);
    open_->block.end_stream = header.is(FrameType::headers) && header.has(frame_flag::end_stream);
    if (bounds) {
        const auto end = std::min(bounds->end, payload.size());
        const auto begin = std::min(bounds->begin, end);
        decode(payload.subspan(begin, end - begin), header, whole, counters);
    } else {
        decode({}, header, false, counters);  // cut before the pad length byte
    }
    return header.has(frame_flag::end_headers) ? finish(counters) : Step::more;
}

void HeaderBlockDecoder::decode(std::span<const std::uint8_t> fragment, const FrameHeader& header, bool whole,
                                Counters& counters) {
    auto& open = *open_;
    open.size += header.length;
    if (open.size > kMaxHeaderBlock && !open.failed) {
        ++counters.blocks_too_large;
        open.failed = true;
        inflater_.fail_block();
        return;
    }
    if (open.failed) return;
    auto& fields = open.block.fields;
    const HpackInflater::FieldSink sink = [&fields](std::string_view name, std::string_view value, bool known) {
        fields.add(name, value, known);
    };
    const bool block_end = whole && header.has(frame_flag::end_headers);
    if (!inflater_.decode(fragment, block_end, sink)) {
        ++counters.hpack_errors;
        open.failed = true;
    } else if (!whole) {
        open.failed = true;
        inflater_.fail_block();
    }
}

HeaderBlockDecoder::Step HeaderBlockDecoder::finish(Counters& counters) {
    auto open = std::move(*open_);
    open_.reset();
    inflater_.end_block();
    auto& fields = open.block.fields;
    fields.desync = fields.desync || open.failed;
    ++counters.header_blocks;
    if (fields.desync) ++counters.desync_blocks;
    counters.headers_dropped += fields.fields_dropped;
    counters.values_truncated += fields.values_truncated;
    done_ = std::move(open.block);
    return Step::complete;
}

std::optional<DecodedBlock> HeaderBlockDecoder::cut(Counters& counters) {
    if (skipping_) {
        skipping_ = false;
        ++counters.desync_blocks;
        inflater_.forget_table();
    }
    if (!open_) return std::nullopt;
    open_->failed = true;
    inflater_.fail_block();
    finish(counters);
    return take();
}

void HeaderBlockDecoder::resume() {
    // A block still open here was cut() already, or is given up with the table.
    open_.reset();
    skipping_ = false;
    inflater_.forget_table();
    may_start_mid_block_ = true;
}

}  // namespace egresswatch::http2
