#pragma once
// A bounds-checked big-endian reader over captured bytes. Every read either succeeds whole or
// fails without moving, so parsers of hostile input cannot over-read by construction. A failure
// is sticky: every later read fails too, so in a run of reads checking the last one is enough
// (a short 4-byte read can never be followed by a 2-byte read that succeeds on its bytes).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace egresswatch {

class ByteReader {
public:
    explicit ByteReader(std::span<const std::uint8_t> data, std::size_t offset = 0)
        : data_(data), offset_(offset <= data.size() ? offset : data.size()) {}

    std::size_t offset() const { return offset_; }
    std::size_t remaining() const { return data_.size() - offset_; }
    bool empty() const { return remaining() == 0; }
    bool failed() const { return failed_; }
    std::span<const std::uint8_t> data() const { return data_; }

    std::optional<std::uint8_t> u8() {
        if (!claim(1)) return std::nullopt;
        return data_[offset_++];
    }
    std::optional<std::uint16_t> u16() { return read_be<std::uint16_t>(2); }
    std::optional<std::uint32_t> u24() { return read_be<std::uint32_t>(3); }
    std::optional<std::uint32_t> u32() { return read_be<std::uint32_t>(4); }

    std::optional<std::span<const std::uint8_t>> bytes(std::size_t count) {
        if (!claim(count)) return std::nullopt;
        auto out = data_.subspan(offset_, count);
        offset_ += count;
        return out;
    }
    bool skip(std::size_t count) {
        if (!claim(count)) return false;
        offset_ += count;
        return true;
    }

private:
    template <typename T>
    std::optional<T> read_be(std::size_t width) {
        if (!claim(width)) return std::nullopt;
        T value = 0;
        for (std::size_t i = 0; i < width; ++i) value = static_cast<T>((value << 8) | data_[offset_ + i]);
        offset_ += width;
        return value;
    }

    bool claim(std::size_t count) {
        if (!failed_ && remaining() >= count) return true;
        failed_ = true;
        return false;
    }

    std::span<const std::uint8_t> data_;
    std::size_t offset_;
    bool failed_ = false;
};

}  // namespace egresswatch
