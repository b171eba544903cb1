#pragma once
// Sockets for `egresswatch check`: name resolution, a TCP connect bounded by a deadline, and a
// byte stream the HTTP probe can use with or without TLS. Every wait is a poll() on one
// non-blocking socket, so a check can never outlive its deadline by more than one syscall.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/ip_address.h"

namespace egresswatch::check {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

// Owns a file descriptor.
class Socket {
public:
    Socket() = default;
    explicit Socket(int fd) : fd_(fd) {}
    ~Socket();
    Socket(Socket&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    Socket& operator=(Socket&& other) noexcept;
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    int fd() const { return fd_; }
    bool valid() const { return fd_ >= 0; }

private:
    int fd_ = -1;
};

enum class Wait { ready, timed_out, failed };

// poll() for 'events' on fd until the deadline; EINTR is retried.
Wait wait_for(int fd, short events, Deadline deadline);

struct Resolution {
    std::vector<IpAddress> addresses;  // in the resolver's preference order, no duplicates
    std::string error;                 // empty on success
};

// getaddrinfo() for TCP, so /etc/hosts, nsswitch and resolv.conf apply as for any client on
// this host. It cannot be interrupted: the resolver's own timeout and attempts bound it.
Resolution resolve(const std::string& host);

struct Connected {
    Socket socket;      // valid on success; non-blocking
    std::string error;  // "connection refused", "timed out", ...
    bool timed_out = false;
};

Connected tcp_connect(const IpAddress& address, std::uint16_t port, Deadline deadline);

// What the HTTP probe reads and writes, so it does not care whether TLS is underneath.
class ByteStream {
public:
    virtual ~ByteStream() = default;
    // false with 'error' set on failure or when the deadline passes.
    virtual bool write_all(std::string_view data, Deadline deadline, std::string& error) = 0;
    // Bytes read (0: the peer closed), or -1 with 'error' set.
    virtual long read_some(char* buf, std::size_t size, Deadline deadline, std::string& error) = 0;
};

class PlainStream : public ByteStream {
public:
    explicit PlainStream(int fd) : fd_(fd) {}
    bool write_all(std::string_view data, Deadline deadline, std::string& error) override;
    long read_some(char* buf, std::size_t size, Deadline deadline, std::string& error) override;

private:
    int fd_;
};

}  // namespace egresswatch::check
