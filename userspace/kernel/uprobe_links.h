#pragma once
// A set of uprobes attached to one file for one program: one uprobe_multi link (Linux
// 6.6+), or one classic perf-event link per function where the kernel has none.
//
// Why it matters: removing a uprobe waits for an RCU grace period, about 100 ms on a
// small VM. Classic links are removed one after the other under a kernel mutex, so a
// dozen TLS functions held up every exit (and the end of every `run`) by 1.5 s. A
// uprobe_multi link removes all its uprobes behind a single grace period, and separate
// multi links closed at the same time share one.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct bpf_link;

namespace egresswatch {

struct UprobeSite {
    std::uint64_t offset = 0;  // in the file
    std::uint64_t cookie = 0;  // what bpf_get_attach_cookie returns there
};

class UprobeLinks {
public:
    UprobeLinks() = default;
    explicit UprobeLinks(int multi_link_fd) : multi_link_fd_(multi_link_fd) {}
    ~UprobeLinks();
    UprobeLinks(UprobeLinks&& other) noexcept;
    UprobeLinks& operator=(UprobeLinks&& other) noexcept;
    UprobeLinks(const UprobeLinks&) = delete;
    UprobeLinks& operator=(const UprobeLinks&) = delete;

    void add_classic(::bpf_link* link) { classic_.push_back(link); }
    void reset();

private:
    int multi_link_fd_ = -1;
    std::vector<::bpf_link*> classic_;
};

// BPF_TRACE_UPROBE_MULTI, which this libbpf (1.1) predates.
inline constexpr unsigned kAttachUprobeMulti = 48;

// Creates a uprobe_multi link of prog_fd on path at sites (uretprobes if retprobe).
// Returns the link fd, or -errno.
int create_uprobe_multi_link(int prog_fd, const std::string& path, const std::vector<UprobeSite>& sites, bool retprobe);

// Detaches every set at once, so that their grace periods overlap.
void detach_concurrently(std::vector<UprobeLinks> sets);

}  // namespace egresswatch
