#include "kernel/uprobe_links.h"

#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <thread>
#include <utility>

namespace egresswatch {
namespace {

// BPF_LINK_CREATE's attributes for a uprobe_multi link, as the kernel lays them out in
// union bpf_attr (the system's linux/bpf.h is older than uprobe_multi).
struct UprobeMultiLinkAttr {
    std::uint32_t prog_fd;
    std::uint32_t target_fd;
    std::uint32_t attach_type;
    std::uint32_t flags;
    std::uint64_t path;
    std::uint64_t offsets;
    std::uint64_t ref_ctr_offsets;
    std::uint64_t cookies;
    std::uint32_t cnt;
    std::uint32_t multi_flags;
    std::uint32_t pid;
    std::uint32_t pad;
};
static_assert(sizeof(UprobeMultiLinkAttr) == 64);

constexpr std::uint32_t kUprobeMultiReturn = 1;  // BPF_F_UPROBE_MULTI_RETURN

}  // namespace

int create_uprobe_multi_link(int prog_fd, const std::string& path, const std::vector<UprobeSite>& sites,
                             bool retprobe) {
    std::vector<std::uint64_t> offsets, cookies;
    for (const UprobeSite& site : sites) {
        offsets.push_back(site.offset);
        cookies.push_back(site.cookie);
    }
    UprobeMultiLinkAttr attr{};
    attr.prog_fd = static_cast<std::uint32_t>(prog_fd);
    attr.attach_type = kAttachUprobeMulti;
    attr.path = reinterpret_cast<std::uint64_t>(path.c_str());
    attr.offsets = reinterpret_cast<std::uint64_t>(offsets.data());
    attr.cookies = reinterpret_cast<std::uint64_t>(cookies.data());
    attr.cnt = static_cast<std::uint32_t>(sites.size());
    attr.multi_flags = retprobe ? kUprobeMultiReturn : 0;
    // pid 0: every process that maps the file, now or later.
    long fd = ::syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
    return fd < 0 ? -errno : static_cast<int>(fd);
}

UprobeLinks::~UprobeLinks() { reset(); }

UprobeLinks::UprobeLinks(UprobeLinks&& other) noexcept
    : multi_link_fd_(std::exchange(other.multi_link_fd_, -1)), classic_(std::move(other.classic_)) {
    other.classic_.clear();
}

UprobeLinks& UprobeLinks::operator=(UprobeLinks&& other) noexcept {
    if (this != &other) {
        reset();
        multi_link_fd_ = std::exchange(other.multi_link_fd_, -1);
        classic_ = std::move(other.classic_);
        other.classic_.clear();
    }
    return *this;
}

void UprobeLinks::reset() {
    if (multi_link_fd_ >= 0) ::close(multi_link_fd_);
    multi_link_fd_ = -1;
    for (bpf_link* link : classic_) bpf_link__destroy(link);
    classic_.clear();
}

void detach_concurrently(std::vector<UprobeLinks> sets) {
    std::vector<std::thread> closers;
    closers.reserve(sets.size());
    for (UprobeLinks& set : sets) closers.emplace_back([s = std::move(set)]() mutable { s.reset(); });
    for (std::thread& t : closers) t.join();
}

}  // namespace egresswatch
