#include "protocols/http2/hpack_inflater.h"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <string>

namespace egresswatch::http2 {
namespace {

// How large a forgotten table is assumed to be: the default, which nearly every encoder
// keeps. A larger real table only makes its oldest entries fail to decode (past the
// placeholders), never decode wrong. Placeholders cost nghttp2 memory: measured, a forgotten
// 4 KiB table (128 of them) takes 30 KB against 1.3 KB for an empty one.
constexpr std::size_t kForgottenTableSize = kDefaultHeaderTableSize;
constexpr std::size_t kEntryOverhead = 32;  // RFC 7541 4.1

// RFC 7541 5.1: an integer with an N-bit prefix, the first byte's other bits given.
void append_integer(std::string& out, std::uint8_t first_bits, int prefix_bits, std::size_t value) {
    const std::size_t prefix_max = (std::size_t{1} << prefix_bits) - 1;
    if (value < prefix_max) {
        out.push_back(static_cast<char>(first_bits | value));
        return;
    }
    out.push_back(static_cast<char>(first_bits | prefix_max));
    value -= prefix_max;
    for (; value >= 128; value /= 128) out.push_back(static_cast<char>(0x80 | (value % 128)));
    out.push_back(static_cast<char>(value));
}

// A header block that sets the table size and fills it with placeholders: a literal with
// incremental indexing and a new name (0x40), name and value of length 0.
std::string placeholder_block(std::size_t table_size) {
    std::string block;
    append_integer(block, 0x20, 5, table_size);  // dynamic table size update
    for (std::size_t i = 0; i < table_size / kEntryOverhead; ++i) block.append("\x40\x00\x00", 3);
    return block;
}

// Calls sink for each field of bytes; false when nghttp2 rejected them.
bool inflate(nghttp2_hd_inflater* inflater, std::span<const std::uint8_t> bytes, bool block_end,
             const HpackInflater::FieldSink* sink) {
    static const std::uint8_t kNothing = 0;
    const std::uint8_t* in = bytes.empty() ? &kNothing : bytes.data();
    std::size_t left = bytes.size();
    for (;;) {
        nghttp2_nv field;
        int flags = 0;
        const auto used = nghttp2_hd_inflate_hd2(inflater, &field, &flags, in, left, block_end ? 1 : 0);
        if (used < 0) return false;
        in += used;
        left -= static_cast<std::size_t>(used);
        if ((flags & NGHTTP2_HD_INFLATE_EMIT) && sink) {
            const std::string_view name(reinterpret_cast<const char*>(field.name), field.namelen);
            const std::string_view value(reinterpret_cast<const char*>(field.value), field.valuelen);
            // Only a placeholder has an empty name (HTTP/2 forbids one on the wire).
            (*sink)(name, name.empty() ? std::string_view{} : value, !name.empty());
        }
        if (flags & NGHTTP2_HD_INFLATE_FINAL) return true;
        // Without an emission nghttp2 reads all it is given; bytes left over would loop forever.
        if (!(flags & NGHTTP2_HD_INFLATE_EMIT)) return left == 0;
    }
}

}  // namespace

void HpackInflater::Free::operator()(nghttp2_hd_inflater* inflater) const { nghttp2_hd_inflate_del(inflater); }

HpackInflater::HpackInflater(bool history_seen) {
    if (history_seen) {
        nghttp2_hd_inflater* raw = nullptr;
        if (nghttp2_hd_inflate_new(&raw) == 0) inflater_.reset(raw);
    } else {
        forget_table();
    }
}

HpackInflater::~HpackInflater() = default;
HpackInflater::HpackInflater(HpackInflater&&) noexcept = default;
HpackInflater& HpackInflater::operator=(HpackInflater&&) noexcept = default;

bool HpackInflater::decode(std::span<const std::uint8_t> bytes, bool block_end, const FieldSink& sink) {
    in_block_ = true;
    if (!inflater_ || block_failed_) return false;
    if (!inflate(inflater_.get(), bytes, block_end, &sink)) block_failed_ = true;
    return !block_failed_;
}

void HpackInflater::fail_block() {
    in_block_ = true;
    block_failed_ = true;
}

void HpackInflater::end_block() {
    const bool failed = block_failed_ || !inflater_;
    in_block_ = false;
    block_failed_ = false;
    if (failed) {
        forget_table();
        return;
    }
    nghttp2_hd_inflate_end_headers(inflater_.get());
    if (limit_pending_) apply_limit();
}

void HpackInflater::forget_table() {
    inflater_.reset();
    in_block_ = false;
    block_failed_ = false;
    nghttp2_hd_inflater* raw = nullptr;
    if (nghttp2_hd_inflate_new(&raw) != 0) return;
    inflater_.reset(raw);
    apply_limit();
    const auto block = placeholder_block(std::min(limit_, kForgottenTableSize));
    const std::span bytes(reinterpret_cast<const std::uint8_t*>(block.data()), block.size());
    if (!inflate(inflater_.get(), bytes, true, nullptr)) {
        inflater_.reset();
        return;
    }
    nghttp2_hd_inflate_end_headers(inflater_.get());
}

void HpackInflater::set_table_limit(std::size_t bytes) {
    limit_ = std::min(bytes, kMaxHeaderTableSize);
    limit_pending_ = true;
    if (!in_block_) apply_limit();
}

void HpackInflater::apply_limit() {
    // A smaller limit makes nghttp2 expect the encoder's table size update at the start of
    // the next block, as RFC 7541 4.2 requires of the encoder.
    limit_pending_ = false;
    if (inflater_) nghttp2_hd_inflate_change_table_size(inflater_.get(), limit_);
}

}  // namespace egresswatch::http2
