#pragma once
// Typed kernel events: what the decoder makes of the ABI records.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/ip_address.h"

namespace egresswatch {

// The task that caused an event, as the kernel saw it at that moment.
struct TaskContext {
    std::uint64_t ts_ns = 0;  // CLOCK_MONOTONIC
    std::uint64_t cgroup_id = 0;
    std::uint32_t pid = 0;  // tgid
    std::uint32_t tid = 0;
    std::uint32_t uid = 0;
    std::string comm;
};

enum class SockEventKind : std::uint8_t { connect, send };

// What --enforce decided for a connect or datagram (enum ew_verdict). Without --enforce
// everything is allowed.
enum class Verdict : std::uint8_t {
    allowed,
    blocked,     // refused with EPERM: nothing left the host
    unverified,  // fail-open let it out while the enforcement state was incomplete
};

struct SockEvent {
    TaskContext task;
    SockEventKind kind = SockEventKind::connect;
    std::uint64_t cookie = 0;
    IpAddress address;  // as the socket saw it (v4-mapped kept)
    std::uint16_t port = 0;
    std::uint8_t protocol = 0;
    Verdict verdict = Verdict::allowed;
};

struct ExecEvent {
    TaskContext task;
    std::uint32_t ppid = 0;
    std::string filename;
    std::string interpreter;  // empty unless a #! script named another binary
    // The file executed, from the process's root (a container's root for its processes), read
    // in the kernel; empty if its path was too long or deep. For a script, the interpreter.
    std::string executed;
    std::vector<std::string> argv;
    bool argv_truncated = false;
    std::uint64_t exe_ino = 0;  // the file, as the kernel numbers it
    std::uint32_t exe_dev = 0;
    bool held = false;           // stopped until the file is examined: someone must continue it
    std::uint32_t held_pid = 0;  // ... this process, as egresswatch's PID namespace numbers it
};

struct ForkEvent {
    TaskContext task;  // the parent
    std::uint32_t child_pid = 0;
};

struct ExitEvent {
    TaskContext task;
    std::uint32_t exit_code = 0;  // wait(2) status
};

enum class Direction : std::uint8_t { egress, ingress };

// What the kernel took a flow for, from its first payload bytes (enum ew_flow_kind).
enum class FlowKind : std::uint8_t { undecided, http, tls, dns, other, http2 };

// The first bytes of one packet on a socket an observed process connected or sent from.
// `task` is that process (recorded on the socket), not whoever was running when the
// packet passed.
struct PayloadEvent {
    TaskContext task;
    std::uint64_t cookie = 0;
    IpAddress remote;        // the packet's family: IPv4 even on a v4-mapped socket
    std::uint16_t port = 0;  // remote port
    std::uint8_t protocol = 0;
    Direction direction = Direction::egress;
    FlowKind flow_kind = FlowKind::undecided;
    std::uint32_t tcp_seq = 0;
    std::uint32_t length = 0;  // payload bytes in the packet; data may hold fewer
    std::vector<std::uint8_t> data;
};

// How a TLS data event's socket was learned (enum ew_tls_socket).
enum class TlsSocketSource : std::uint8_t { unknown, in_call, session, unresolved };

// The socket a TLS session writes to and reads from.
struct TlsSocket {
    std::uint64_t cookie = 0;
    IpAddress remote;
    std::uint16_t port = 0;
};

// Plaintext one TLS library call wrote (egress) or read (ingress), from uprobes.
struct TlsDataEvent {
    TaskContext task;
    std::uint64_t session = 0;  // the library's session object: unique within the process
    std::uint8_t library = 0;   // enum ew_tls_library
    TlsSocketSource socket_source = TlsSocketSource::unknown;
    TlsSocket socket;  // meaningful unless socket_source is unknown or unresolved
    Direction direction = Direction::egress;
    FlowKind flow_kind = FlowKind::undecided;
    std::uint32_t length = 0;  // bytes the call moved (an HTTP/2 piece's); data may hold fewer
    // FlowKind::http2 only: where data begins in its direction's stream, and whether a frame
    // starts there and the session was first seen mid-connection (EW_TLS_PIECE_*).
    std::uint64_t offset = 0;
    bool frame_start = false;
    bool joined = false;
    std::vector<std::uint8_t> data;
};

// The socket of a session whose data came before it was known (memory-BIO libraries).
struct TlsBindEvent {
    TaskContext task;
    std::uint64_t session = 0;
    TlsSocket socket;
};

// The dynamic loader mapped libraries into task.pid: a TLS library may have appeared.
struct LibsChangedEvent {
    TaskContext task;
};

// A cgroup made on the v2 hierarchy (tp_btf/cgroup_mkdir): the name of the id that records
// made in it carry, known before any of them.
struct CgroupEvent {
    TaskContext task;  // who made it
    std::uint64_t cgroup_id = 0;
    std::uint64_t parent_id = 0;
    std::string path;       // below the hierarchy's root, "/a/b"; empty when the kernel cut it off
    bool followed = false;  // it joined the run's scope (made by the run, or below a followed cgroup)
};

// One flow_dedup entry as decoded (decode_flow_count): the flow's key and its cumulative count
// of connects or datagrams the kernel counted instead of reporting.
struct FlowCount {
    SockEventKind kind = SockEventKind::connect;
    std::uint32_t pid = 0;  // the kernel's tgid
    IpAddress address;      // as the kernel keyed it (v4-mapped for an IPv6 socket); records unmap it
    std::uint16_t port = 0;
    std::uint8_t protocol = 0;
    std::uint64_t cookie = 0;  // datagrams are counted per socket, connects are not (0)
    std::uint64_t repeats = 0;
};

using KernelEvent = std::variant<SockEvent, ExecEvent, ForkEvent, ExitEvent, PayloadEvent, TlsDataEvent, TlsBindEvent,
                                 LibsChangedEvent, CgroupEvent>;

std::string_view sock_event_kind_name(SockEventKind kind);
std::string_view verdict_name(Verdict verdict);  // allowed, blocked, unverified
std::optional<Verdict> parse_verdict(std::string_view name);

}  // namespace egresswatch
