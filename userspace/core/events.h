#pragma once
// Typed kernel events: what the decoder makes of the ABI records.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "core/ip_address.h"

namespace egresswatch {

// The task that caused an event, as the kernel saw it at that moment.
struct TaskContext {
    std::uint64_t ts_ns = 0;      // CLOCK_MONOTONIC
    std::uint64_t cgroup_id = 0;
    std::uint32_t pid = 0;        // tgid
    std::uint32_t tid = 0;
    std::uint32_t uid = 0;
    std::string comm;
};

enum class SockEventKind : std::uint8_t { connect, send };

struct SockEvent {
    TaskContext task;
    SockEventKind kind = SockEventKind::connect;
    std::uint64_t cookie = 0;
    IpAddress address;            // as the socket saw it (v4-mapped kept)
    std::uint16_t port = 0;
    std::uint8_t protocol = 0;
};

struct ExecEvent {
    TaskContext task;
    std::uint32_t ppid = 0;
    std::string filename;
    std::string interpreter;      // empty unless a #! script named another binary
    std::vector<std::string> argv;
    bool argv_truncated = false;
};

struct ForkEvent {
    TaskContext task;             // the parent
    std::uint32_t child_pid = 0;
};

struct ExitEvent {
    TaskContext task;
    std::uint32_t exit_code = 0;  // wait(2) status
};

using KernelEvent = std::variant<SockEvent, ExecEvent, ForkEvent, ExitEvent>;

std::string_view sock_event_kind_name(SockEventKind kind);

}  // namespace egresswatch
