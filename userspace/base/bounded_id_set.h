#pragma once
// A small sorted set of ids (pids, interned names) that stops growing at a cap and says so.
// Aggregates keep two per process and destination, and nearly all hold one id: the first
// two live in place, and only a third allocates. At 100k destinations this is 16 bytes a
// set instead of a vector's 32 plus a 32-byte allocation: about 10 MB less.

#include <cstddef>
#include <cstdint>
#include <span>

namespace egresswatch {

class BoundedIdSet {
public:
    BoundedIdSet() = default;
    BoundedIdSet(const BoundedIdSet& other);
    BoundedIdSet(BoundedIdSet&& other) noexcept;
    BoundedIdSet& operator=(BoundedIdSet other) noexcept;
    ~BoundedIdSet();

    void insert(std::uint32_t id, std::size_t cap);
    std::span<const std::uint32_t> ids() const { return {data(), size_}; }
    // An id was refused because the set was full.
    bool truncated() const { return truncated_; }

private:
    static constexpr std::uint32_t kInPlace = 2;
    bool on_heap() const { return capacity_ > kInPlace; }
    std::uint32_t* data() { return on_heap() ? heap_ : in_place_; }
    const std::uint32_t* data() const { return on_heap() ? heap_ : in_place_; }

    union {
        std::uint32_t in_place_[kInPlace] = {};
        std::uint32_t* heap_;
    };
    std::uint32_t size_ = 0;
    std::uint16_t capacity_ = kInPlace;
    bool truncated_ = false;
};

static_assert(sizeof(BoundedIdSet) == 16);

}  // namespace egresswatch
