#include "check/net.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

namespace egresswatch::check {
namespace {

// strerror's wording ("Connection refused") lower-cased, to read as a clause after "tcp: ".
std::string errno_text(int err) {
    std::string text = std::strerror(err);
    if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
    return text;
}

}  // namespace

Socket::~Socket() {
    if (fd_ >= 0) close(fd_);
}

Socket& Socket::operator=(Socket&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) close(fd_);
        fd_ = other.fd_;
        other.fd_ = -1;
    }
    return *this;
}

Wait wait_for(int fd, short events, Deadline deadline) {
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        // Round up, so that a deadline less than 1 ms away is still waited for, not spun on.
        int timeout_ms = left.count() < 0 ? 0 : static_cast<int>(std::min<long long>(left.count() + 1, 1 << 30));
        pollfd p{fd, events, 0};
        int r = poll(&p, 1, timeout_ms);
        if (r > 0) return Wait::ready;  // also POLLERR/POLLHUP: the next call reports what
        if (r == 0) {
            if (Clock::now() >= deadline) return Wait::timed_out;
            continue;
        }
        if (errno != EINTR) return Wait::failed;
    }
}

Resolution resolve(const std::string& host) {
    Resolution out;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    // No AAAA answers on a host without IPv6, where connecting to them could only fail.
    hints.ai_flags = AI_ADDRCONFIG;
    addrinfo* list = nullptr;
    int r = getaddrinfo(host.c_str(), nullptr, &hints, &list);
    if (r != 0) {
        out.error = r == EAI_SYSTEM ? std::string(std::strerror(errno)) : std::string(gai_strerror(r));
        return out;
    }
    for (addrinfo* ai = list; ai; ai = ai->ai_next) {
        IpAddress a;
        if (ai->ai_family == AF_INET) {
            a.family = Family::ipv4;
            std::memcpy(a.bytes.data(), &reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr, 4);
        } else if (ai->ai_family == AF_INET6) {
            a.family = Family::ipv6;
            std::memcpy(a.bytes.data(), &reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_addr, 16);
        } else {
            continue;
        }
        if (std::find(out.addresses.begin(), out.addresses.end(), a) == out.addresses.end()) out.addresses.push_back(a);
    }
    freeaddrinfo(list);
    if (out.addresses.empty()) out.error = "no IPv4 or IPv6 address";
    return out;
}

Connected tcp_connect(const IpAddress& address, std::uint16_t port, Deadline deadline) {
    Connected out;
    bool v6 = address.family == Family::ipv6;
    Socket s(socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!s.valid()) {
        out.error = std::string("socket: ") + std::strerror(errno);
        return out;
    }
    sockaddr_storage ss{};
    socklen_t len;
    if (v6) {
        auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(port);
        std::memcpy(&a->sin6_addr, address.bytes.data(), 16);
        len = sizeof(sockaddr_in6);
    } else {
        auto* a = reinterpret_cast<sockaddr_in*>(&ss);
        a->sin_family = AF_INET;
        a->sin_port = htons(port);
        std::memcpy(&a->sin_addr, address.bytes.data(), 4);
        len = sizeof(sockaddr_in);
    }
    if (connect(s.fd(), reinterpret_cast<sockaddr*>(&ss), len) != 0) {
        if (errno != EINPROGRESS) {
            out.error = errno_text(errno);
            return out;
        }
        Wait w = wait_for(s.fd(), POLLOUT, deadline);
        if (w == Wait::timed_out) {
            out.error = "timed out";
            out.timed_out = true;
            return out;
        }
        int err = 0;
        socklen_t err_len = sizeof(err);
        if (w == Wait::failed)
            err = errno;
        else if (getsockopt(s.fd(), SOL_SOCKET, SO_ERROR, &err, &err_len) != 0)
            err = errno;
        if (err != 0) {
            out.error = errno_text(err);
            return out;
        }
    }
    out.socket = std::move(s);
    return out;
}

bool PlainStream::write_all(std::string_view data, Deadline deadline, std::string& error) {
    while (!data.empty()) {
        ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
        if (n > 0) {
            data.remove_prefix(static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (wait_for(fd_, POLLOUT, deadline) == Wait::timed_out) {
                error = "timed out sending the request";
                return false;
            }
            continue;
        }
        error = std::string("send: ") + std::strerror(errno);
        return false;
    }
    return true;
}

long PlainStream::read_some(char* buf, std::size_t size, Deadline deadline, std::string& error) {
    for (;;) {
        ssize_t n = recv(fd_, buf, size, 0);
        if (n >= 0) return static_cast<long>(n);
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (wait_for(fd_, POLLIN, deadline) == Wait::timed_out) {
                error = "timed out waiting for the response";
                return -1;
            }
            continue;
        }
        error = std::string("recv: ") + std::strerror(errno);
        return -1;
    }
}

}  // namespace egresswatch::check
