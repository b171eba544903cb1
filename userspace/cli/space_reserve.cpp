#include "cli/space_reserve.h"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

namespace egresswatch {

SpaceReserve::SpaceReserve(const std::string& dir, std::uint64_t max_bytes) {
    struct statvfs vfs {};
    if (::statvfs(dir.c_str(), &vfs) != 0) return;
    std::uint64_t want = std::min<std::uint64_t>(max_bytes, std::uint64_t{vfs.f_bavail} * vfs.f_frsize / 4);
    if (want == 0) return;
    int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) return;
    // fallocate, not posix_fallocate: where it is not supported, writing zeros instead would
    // cost the time of writing them.
    if (::fallocate(fd, 0, 0, static_cast<off_t>(want)) != 0) {
        ::close(fd);
        return;
    }
    fd_ = fd;
    bytes_ = want;
}

SpaceReserve::SpaceReserve(SpaceReserve&& other) noexcept { *this = std::move(other); }

SpaceReserve& SpaceReserve::operator=(SpaceReserve&& other) noexcept {
    if (this == &other) return *this;
    release();
    fd_ = std::exchange(other.fd_, -1);
    bytes_ = std::exchange(other.bytes_, 0);
    return *this;
}

void SpaceReserve::release() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    bytes_ = 0;
}

}  // namespace egresswatch
