#include "base/bounded_id_set.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace egresswatch {

BoundedIdSet::BoundedIdSet(const BoundedIdSet& other)
    : size_(other.size_),
      capacity_(other.on_heap() ? static_cast<std::uint16_t>(other.size_) : kInPlace),
      truncated_(other.truncated_) {
    if (on_heap()) heap_ = new std::uint32_t[capacity_];
    std::copy_n(other.data(), size_, data());
}

BoundedIdSet::BoundedIdSet(BoundedIdSet&& other) noexcept
    : size_(other.size_), capacity_(other.capacity_), truncated_(other.truncated_) {
    if (on_heap())
        heap_ = std::exchange(other.heap_, nullptr);
    else
        std::copy_n(other.in_place_, kInPlace, in_place_);
    other.size_ = 0;
    other.capacity_ = kInPlace;
}

BoundedIdSet& BoundedIdSet::operator=(BoundedIdSet other) noexcept {
    // The union's bytes are the ids in place or the heap pointer: either way, swap them whole.
    static_assert(sizeof(in_place_) == sizeof(heap_));
    std::uint32_t bytes[kInPlace];
    std::memcpy(bytes, in_place_, sizeof(bytes));
    std::memcpy(in_place_, other.in_place_, sizeof(bytes));
    std::memcpy(other.in_place_, bytes, sizeof(bytes));
    std::swap(size_, other.size_);
    std::swap(capacity_, other.capacity_);
    std::swap(truncated_, other.truncated_);
    return *this;
}

BoundedIdSet::~BoundedIdSet() {
    if (on_heap()) delete[] heap_;
}

void BoundedIdSet::insert(std::uint32_t id, std::size_t cap) {
    std::uint32_t* begin = data();
    std::uint32_t* at = std::lower_bound(begin, begin + size_, id);
    if (at != begin + size_ && *at == id) return;
    if (size_ >= cap) {
        truncated_ = true;
        return;
    }
    if (size_ == capacity_) {
        // Doubling, up to the cap: the sets are bounded at 64 or 1024 ids.
        std::size_t limit = std::min<std::size_t>(std::max<std::size_t>(cap, kInPlace + 1), UINT16_MAX);
        auto grown = static_cast<std::uint16_t>(std::min<std::size_t>(2u * capacity_, limit));
        auto* bigger = new std::uint32_t[grown];
        std::size_t pos = static_cast<std::size_t>(at - begin);
        std::copy_n(begin, size_, bigger);
        if (on_heap()) delete[] heap_;
        heap_ = bigger;
        capacity_ = grown;
        at = heap_ + pos;
        begin = heap_;
    }
    std::move_backward(at, begin + size_, begin + size_ + 1);
    *at = id;
    ++size_;
}

}  // namespace egresswatch
