#pragma once
// Room on the --out filesystem held back while events are written, and given back for what is
// written at the end (events.jsonl's closing lines, report.json, allowlist.yaml): when events
// fill the disk, the report still fits. An unnamed file (O_TMPFILE) holds it, so nothing is
// left behind however egresswatch ends.

#include <cstdint>
#include <string>

namespace egresswatch {

class SpaceReserve {
public:
    SpaceReserve() = default;
    // Holds up to max_bytes, and at most a quarter of what is free. Best effort: a filesystem
    // without O_TMPFILE or fallocate(2) holds nothing.
    SpaceReserve(const std::string& dir, std::uint64_t max_bytes);
    SpaceReserve(SpaceReserve&& other) noexcept;
    SpaceReserve& operator=(SpaceReserve&& other) noexcept;
    SpaceReserve(const SpaceReserve&) = delete;
    SpaceReserve& operator=(const SpaceReserve&) = delete;
    ~SpaceReserve() { release(); }

    void release();
    std::uint64_t bytes() const { return bytes_; }

private:
    int fd_ = -1;
    std::uint64_t bytes_ = 0;
};

}  // namespace egresswatch
