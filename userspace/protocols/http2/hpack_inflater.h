#pragma once
// HPACK decoding (RFC 7541) by nghttp2's inflater, for an observer that may not have seen the
// header blocks that filled the dynamic table (it joined mid-connection, bytes were lost, or
// nghttp2 rejected a block and the table's state after it is unknown).
//
// Such an observer can still follow every entry inserted after it started: those are the
// newest, at the lowest dynamic indexes, and the encoder evicts the entries the observer never
// saw before them. So forgetting the table does not empty it: the inflater is given a table
// full of placeholders (empty name, empty value: 32 bytes each, the smallest an entry can be,
// so no other table of that size holds more entries). A reference to a placeholder, or to an
// entry whose name came from one, decodes as an unknown field instead of failing, and
// the entries inserted from then on keep their true indexes. A reference past the placeholders
// still fails: nghttp2 rejects it. An unknown field is never guessed at.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string_view>

struct nghttp2_hd_inflater;

namespace egresswatch::http2 {

inline constexpr std::size_t kDefaultHeaderTableSize = 4096;  // SETTINGS_HEADER_TABLE_SIZE's default
// The largest table a peer may let the encoder use here: Chrome allows 64 KiB. A larger
// table size update fails the block (desync) rather than let a peer grow our memory.
inline constexpr std::size_t kMaxHeaderTableSize = 64 * 1024;

class HpackInflater {
public:
    // known is false for a field that referred to an entry never seen: name and value are
    // empty then.
    using FieldSink = std::function<void(std::string_view name, std::string_view value, bool known)>;

    // history_seen: the table is empty and every block is seen from the connection's start;
    // otherwise it starts forgotten.
    explicit HpackInflater(bool history_seen);
    ~HpackInflater();
    HpackInflater(HpackInflater&&) noexcept;
    HpackInflater& operator=(HpackInflater&&) noexcept;
    HpackInflater(const HpackInflater&) = delete;
    HpackInflater& operator=(const HpackInflater&) = delete;

    // The next bytes of a header block (block_end: its last), each field handed to sink as it
    // is decoded. false once nghttp2 rejected the block (or fail_block() was called): nothing
    // more of it is decoded, and the table is forgotten when it ends.
    bool decode(std::span<const std::uint8_t> bytes, bool block_end, const FieldSink& sink);
    // The rest of the current block will not be decoded (bytes lost, too large).
    void fail_block();
    // The current block ended (END_HEADERS), decoded or not.
    void end_block();

    // Placeholders for every entry: see above. A block in progress is given up.
    void forget_table();

    // The peer's SETTINGS_HEADER_TABLE_SIZE: the largest table the encoder may use (capped at
    // kMaxHeaderTableSize). Inside a block it is applied when the block ends.
    void set_table_limit(std::size_t bytes);
    std::size_t table_limit() const { return limit_; }

private:
    struct Free {
        void operator()(nghttp2_hd_inflater* inflater) const;
    };

    void apply_limit();

    std::unique_ptr<nghttp2_hd_inflater, Free> inflater_;  // null only when nghttp2 had no memory
    std::size_t limit_ = kDefaultHeaderTableSize;
    bool in_block_ = false;
    bool block_failed_ = false;
    bool limit_pending_ = false;  // set inside a block: applied when it ends
};

}  // namespace egresswatch::http2
