#include "kernel/kernel_btf.h"

#include <linux/btf.h>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

namespace egresswatch {
namespace {

// Bytes that follow a type's struct btf_type, by kind (linux/btf.h); nullopt for a kind this
// code does not know, whose size it therefore cannot skip.
std::optional<std::size_t> trailing_bytes(std::uint32_t info) {
    std::size_t vlen = BTF_INFO_VLEN(info);
    switch (BTF_INFO_KIND(info)) {
    case BTF_KIND_INT: return 4;
    case BTF_KIND_PTR:
    case BTF_KIND_FWD:
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_FUNC:
    case BTF_KIND_FLOAT:
    case BTF_KIND_TYPE_TAG: return 0;
    case BTF_KIND_ARRAY: return sizeof(btf_array);
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION: return vlen * sizeof(btf_member);
    case BTF_KIND_ENUM: return vlen * sizeof(btf_enum);
    case BTF_KIND_FUNC_PROTO: return vlen * sizeof(btf_param);
    case BTF_KIND_VAR: return sizeof(btf_var);
    case BTF_KIND_DATASEC: return vlen * sizeof(btf_var_secinfo);
    case BTF_KIND_DECL_TAG: return sizeof(btf_decl_tag);
    case BTF_KIND_ENUM64: return vlen * sizeof(btf_enum64);
    default: return std::nullopt;
    }
}

}  // namespace

std::optional<TracepointArity> scan_tracepoint_arity(std::string_view btf) {
    btf_header header;
    if (btf.size() < sizeof(header)) return std::nullopt;
    std::memcpy(&header, btf.data(), sizeof(header));
    if (header.magic != BTF_MAGIC || header.hdr_len < sizeof(header) ||
        std::size_t{header.hdr_len} + header.str_off + header.str_len > btf.size() ||
        std::size_t{header.hdr_len} + header.type_off + header.type_len > btf.size())
        return std::nullopt;
    std::string_view types = btf.substr(header.hdr_len + header.type_off, header.type_len);
    std::string_view strings = btf.substr(header.hdr_len + header.str_off, header.str_len);
    auto name_of = [&](std::uint32_t offset) -> std::string_view {
        if (offset >= strings.size()) return {};
        std::string_view rest = strings.substr(offset);
        return rest.substr(0, rest.find('\0'));
    };

    // Type ids count from 1; the offset of each, to follow a typedef to its prototype.
    std::vector<std::uint32_t> offsets{0};
    std::uint32_t exit_id = 0, send_id = 0, recv_id = 0;
    for (std::size_t at = 0; at + sizeof(btf_type) <= types.size();) {
        btf_type t;
        std::memcpy(&t, types.data() + at, sizeof(t));
        std::optional<std::size_t> extra = trailing_bytes(t.info);
        if (!extra) return std::nullopt;
        offsets.push_back(static_cast<std::uint32_t>(at));
        if (BTF_INFO_KIND(t.info) == BTF_KIND_TYPEDEF) {
            std::string_view name = name_of(t.name_off);
            auto id = static_cast<std::uint32_t>(offsets.size() - 1);
            if (name == "btf_trace_sched_process_exit")
                exit_id = id;
            else if (name == "btf_trace_sock_send_length")
                send_id = id;
            else if (name == "btf_trace_sock_recv_length")
                recv_id = id;
        }
        at += sizeof(btf_type) + *extra;
    }
    auto type_at = [&](std::uint32_t id) -> std::optional<btf_type> {
        if (id == 0 || id >= offsets.size()) return std::nullopt;
        btf_type t;
        std::memcpy(&t, types.data() + offsets[id], sizeof(t));
        return t;
    };
    // btf_trace_<name> is a pointer to the probe's prototype, whose first parameter is the
    // tracepoint's private data rather than an argument.
    auto arity = [&](std::uint32_t typedef_id) {
        std::optional<btf_type> t = type_at(typedef_id);
        if (t) t = type_at(t->type);
        if (!t || BTF_INFO_KIND(t->info) != BTF_KIND_PTR) return -1;
        t = type_at(t->type);
        if (!t || BTF_INFO_KIND(t->info) != BTF_KIND_FUNC_PROTO) return -1;
        return static_cast<int>(BTF_INFO_VLEN(t->info)) - 1;
    };
    return TracepointArity{arity(exit_id), arity(send_id), arity(recv_id)};
}

namespace {

// The file's bytes. Kernels since 6.16 let /sys/kernel/btf/vmlinux be mapped, which costs
// nothing to read; older ones hand it out a page per read(2): 1,350 calls for 5.5 MB, into
// memory faulted in with one call (pages touched one at a time took 5.5 ms instead of 3.3 on
// the development VM).
class FileBytes {
public:
    explicit FileBytes(const char* path) {
        int fd = ::open(path, O_RDONLY | O_CLOEXEC);
        struct stat st {};
        if (fd < 0) return;
        if (::fstat(fd, &st) == 0 && st.st_size > 0) {
            size_ = static_cast<std::size_t>(st.st_size);
            void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
            if (p != MAP_FAILED) {
                data_ = static_cast<char*>(p);
                read_ = size_;
            } else {
                p = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
                data_ = p == MAP_FAILED ? nullptr : static_cast<char*>(p);
                while (data_ && read_ < size_) {
                    ssize_t n = ::read(fd, data_ + read_, size_ - read_);
                    if (n <= 0) break;
                    read_ += static_cast<std::size_t>(n);
                }
            }
        }
        ::close(fd);
    }
    ~FileBytes() {
        if (data_) ::munmap(data_, size_);
    }
    FileBytes(const FileBytes&) = delete;
    FileBytes& operator=(const FileBytes&) = delete;
    std::string_view view() const { return data_ ? std::string_view(data_, read_) : std::string_view(); }

private:
    char* data_ = nullptr;
    std::size_t size_ = 0, read_ = 0;
};

}  // namespace

KernelFacts read_kernel_facts() {
    KernelFacts facts;
    FileBytes btf("/sys/kernel/btf/vmlinux");
    std::optional<TracepointArity> arity = scan_tracepoint_arity(btf.view());
    if (!arity) {
        spdlog::debug("kernel BTF: not readable here; assuming the oldest hooks");
        return facts;
    }
    facts.exit_tracepoint_passes_group_dead = arity->sched_process_exit >= 2;
    facts.sock_length_tracepoints = arity->sock_send_length >= 1 && arity->sock_recv_length >= 1;
    spdlog::debug("kernel BTF: sched_process_exit {} group_dead; sock_send_length/sock_recv_length {}",
                  facts.exit_tracepoint_passes_group_dead ? "passes" : "does not pass",
                  facts.sock_length_tracepoints ? "present" : "absent");
    return facts;
}

}  // namespace egresswatch
