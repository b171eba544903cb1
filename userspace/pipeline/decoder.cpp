#include "pipeline/decoder.h"

#include <algorithm>
#include <cstring>
#include <memory>

#include "egresswatch/abi.h"

namespace egresswatch {

static_assert(sizeof(ew_event_header) == 48);
static_assert(sizeof(ew_sock_event) == 80);
static_assert(sizeof(ew_exec_event) == 1872);
static_assert(sizeof(ew_fork_event) == 56);
static_assert(sizeof(ew_exit_event) == 56);
static_assert(sizeof(ew_flow_key) == 40);
static_assert(sizeof(ew_flow_value) == 8);
static_assert(sizeof(ew_payload_event) == 1120);
static_assert(sizeof(ew_tls_data_event) == 1128);
static_assert(sizeof(ew_tls_bind_event) == 88);
static_assert(sizeof(ew_libs_changed_event) == 48);
static_assert(sizeof(ew_cgroup_event) == 584);
static_assert(static_cast<int>(Verdict::blocked) == EW_VERDICT_BLOCKED &&
              static_cast<int>(Verdict::unverified) == EW_VERDICT_UNVERIFIED);
static_assert((EW_ARGS_LEN & (EW_ARGS_LEN - 1)) == 0, "BPF side masks with EW_ARGS_LEN - 1");

namespace {

// Kernel strings are NUL-terminated within their buffer, but never trust that.
std::string bounded_string(const char* s, std::size_t capacity) { return std::string(s, strnlen(s, capacity)); }

TaskContext task_from(const ew_event_header& h) {
    TaskContext t;
    t.ts_ns = h.ts_ns;
    t.cgroup_id = h.cgroup_id;
    t.pid = h.tgid;
    t.tid = h.tid;
    t.uid = h.uid;
    t.comm = bounded_string(h.comm, sizeof(h.comm));
    return t;
}

template <typename Record>
bool read_record(const void* data, std::size_t size, Record& out) {
    if (size < sizeof(Record)) return false;
    std::memcpy(&out, data, sizeof(Record));
    return true;
}

std::vector<std::string> split_args(const char* args, std::size_t len) {
    std::vector<std::string> argv;
    std::size_t start = 0;
    for (std::size_t i = 0; i < len; ++i) {
        if (args[i] == '\0') {
            argv.emplace_back(args + start, i - start);
            start = i + 1;
        }
    }
    if (start < len) argv.emplace_back(args + start, len - start);  // cut off mid-argument
    return argv;
}

std::optional<IpAddress> address_from(const __u8 (&addr)[16], __u16 family) {
    IpAddress a;
    if (family == EW_AF_INET) return IpAddress::v4(addr[0], addr[1], addr[2], addr[3]);
    if (family != EW_AF_INET6) return std::nullopt;
    a.family = Family::ipv6;
    std::memcpy(a.bytes.data(), addr, 16);
    return a;
}

std::optional<KernelEvent> decode_sock(const void* data, std::size_t size, SockEventKind kind) {
    ew_sock_event raw;
    if (!read_record(data, size, raw)) return std::nullopt;
    SockEvent e;
    e.task = task_from(raw.hdr);
    e.kind = kind;
    e.cookie = raw.cookie;
    e.port = raw.port;
    e.protocol = raw.protocol;
    // A verdict this build does not know is an undecodable event, counted as lost: taking
    // it for "allowed" could turn a refused attempt into a destination of the allowlist.
    if (raw.verdict > EW_VERDICT_UNVERIFIED) return std::nullopt;
    e.verdict = static_cast<Verdict>(raw.verdict);
    auto address = address_from(raw.addr, raw.family);
    if (!address) return std::nullopt;
    e.address = *address;
    return e;
}

std::optional<KernelEvent> decode_payload(const void* data, std::size_t size) {
    // The kernel reserves whole records; only `captured` bytes of data are meaningful.
    ew_payload_event raw;
    if (!read_record(data, size, raw)) return std::nullopt;
    auto remote = address_from(raw.addr, raw.family);
    if (!remote || raw.direction > EW_DIR_INGRESS || raw.flow_kind > EW_FLOW_OTHER) return std::nullopt;
    PayloadEvent e;
    e.task = task_from(raw.hdr);
    e.cookie = raw.cookie;
    e.remote = *remote;
    e.port = raw.port;
    e.protocol = raw.protocol;
    e.direction = raw.direction == EW_DIR_EGRESS ? Direction::egress : Direction::ingress;
    e.flow_kind = static_cast<FlowKind>(raw.flow_kind);
    e.tcp_seq = raw.tcp_seq;
    e.length = raw.length;
    std::size_t captured = std::min<std::size_t>(raw.captured, sizeof(raw.data));
    e.data.assign(raw.data, raw.data + captured);
    return e;
}

std::optional<TlsSocket> tls_socket_from(std::uint64_t cookie, const __u8 (&addr)[16], __u16 family, __u16 port) {
    auto remote = address_from(addr, family);
    if (!remote) return std::nullopt;
    return TlsSocket{cookie, remote->unmapped(), port};
}

std::optional<KernelEvent> decode_tls_data(const void* data, std::size_t size) {
    ew_tls_data_event raw;
    if (!read_record(data, size, raw)) return std::nullopt;
    if (raw.direction > EW_DIR_INGRESS || raw.flow_kind > EW_FLOW_HTTP2 || raw.socket > EW_TLS_SOCKET_UNRESOLVED)
        return std::nullopt;
    TlsDataEvent e;
    e.task = task_from(raw.hdr);
    e.session = raw.session;
    e.library = raw.library;
    e.socket_source = static_cast<TlsSocketSource>(raw.socket);
    if (e.socket_source != TlsSocketSource::unknown && e.socket_source != TlsSocketSource::unresolved) {
        auto socket = tls_socket_from(raw.cookie, raw.addr, raw.family, raw.port);
        if (!socket) return std::nullopt;
        e.socket = *socket;
    }
    e.direction = raw.direction == EW_DIR_EGRESS ? Direction::egress : Direction::ingress;
    e.flow_kind = static_cast<FlowKind>(raw.flow_kind);
    e.length = raw.length;
    e.offset = raw.offset;
    e.frame_start = raw.piece & EW_TLS_PIECE_FRAME_START;
    e.joined = raw.piece & EW_TLS_PIECE_JOINED;
    std::size_t captured = std::min<std::size_t>(raw.captured, sizeof(raw.data));
    e.data.assign(raw.data, raw.data + captured);
    return e;
}

std::optional<KernelEvent> decode_tls_bind(const void* data, std::size_t size) {
    ew_tls_bind_event raw;
    if (!read_record(data, size, raw)) return std::nullopt;
    auto socket = tls_socket_from(raw.cookie, raw.addr, raw.family, raw.port);
    if (!socket) return std::nullopt;
    return TlsBindEvent{task_from(raw.hdr), raw.session, *socket};
}

std::optional<KernelEvent> decode_exec(const void* data, std::size_t size) {
    // 1.6 KiB: keep it off the stack of the ring buffer callback's caller.
    auto raw = std::make_unique<ew_exec_event>();
    if (!read_record(data, size, *raw)) return std::nullopt;
    ExecEvent e;
    e.task = task_from(raw->hdr);
    e.ppid = raw->ppid;
    e.filename = bounded_string(raw->filename, sizeof(raw->filename));
    std::string interp = bounded_string(raw->interp, sizeof(raw->interp));
    if (interp != e.filename) e.interpreter = std::move(interp);
    e.executed = bounded_string(raw->exe, sizeof(raw->exe));
    std::size_t len = raw->args_len < sizeof(raw->args) ? raw->args_len : sizeof(raw->args);
    e.argv = split_args(raw->args, len);
    e.argv_truncated = raw->args_truncated != 0;
    e.exe_ino = raw->exe_ino;
    e.exe_dev = raw->exe_dev;
    e.held = raw->held != 0;
    e.held_pid = raw->held_pid;
    return e;
}

std::optional<KernelEvent> decode_cgroup(const void* data, std::size_t size) {
    auto raw = std::make_unique<ew_cgroup_event>();
    if (!read_record(data, size, *raw)) return std::nullopt;
    CgroupEvent e;
    e.task = task_from(raw->hdr);
    e.cgroup_id = raw->cgroup_id;
    e.parent_id = raw->parent_id;
    e.followed = raw->followed != 0;
    // A cut-off path would name the cgroup wrongly: left empty, it is looked up instead.
    if (!raw->path_truncated) e.path = bounded_string(raw->path, sizeof(raw->path));
    return e;
}

}  // namespace

std::optional<KernelEvent> decode_event(const void* data, std::size_t size) {
    ew_event_header hdr;
    if (!read_record(data, size, hdr)) return std::nullopt;
    switch (hdr.type) {
    case EW_EVENT_CONNECT: return decode_sock(data, size, SockEventKind::connect);
    case EW_EVENT_SEND: return decode_sock(data, size, SockEventKind::send);
    case EW_EVENT_EXEC: return decode_exec(data, size);
    case EW_EVENT_FORK: {
        ew_fork_event raw;
        if (!read_record(data, size, raw)) return std::nullopt;
        return ForkEvent{task_from(raw.hdr), raw.child_tgid};
    }
    case EW_EVENT_PAYLOAD: return decode_payload(data, size);
    case EW_EVENT_TLS_DATA: return decode_tls_data(data, size);
    case EW_EVENT_TLS_BIND: return decode_tls_bind(data, size);
    case EW_EVENT_LIBS_CHANGED: return LibsChangedEvent{task_from(hdr)};
    case EW_EVENT_CGROUP_MKDIR: return decode_cgroup(data, size);
    case EW_EVENT_EXIT: {
        ew_exit_event raw;
        if (!read_record(data, size, raw)) return std::nullopt;
        return ExitEvent{task_from(raw.hdr), raw.exit_code};
    }
    default: return std::nullopt;
    }
}

std::optional<FlowCount> decode_flow_count(const FlowCounter& counter) {
    const ew_flow_key& key = counter.key;
    if (key.kind != EW_EVENT_CONNECT && key.kind != EW_EVENT_SEND) return std::nullopt;
    auto address = address_from(key.addr, key.family);
    if (!address) return std::nullopt;
    FlowCount f;
    f.kind = key.kind == EW_EVENT_CONNECT ? SockEventKind::connect : SockEventKind::send;
    f.pid = key.tgid;
    f.address = *address;
    f.port = key.port;
    f.protocol = key.protocol;
    f.cookie = key.cookie;
    f.repeats = counter.repeats;
    return f;
}

}  // namespace egresswatch
