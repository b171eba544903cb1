#include "alerts/alert_webhook.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "base/ip_address.h"

namespace egresswatch {
namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left > 0 ? static_cast<int>(left) : 0;
}

// Waits for `events` on fd until the deadline; false on timeout or error.
bool wait_for(int fd, short events, Clock::time_point deadline) {
    pollfd p{fd, events, 0};
    for (;;) {
        int n = ::poll(&p, 1, remaining_ms(deadline));
        if (n > 0) return true;
        if (n == 0 || errno != EINTR) return false;
    }
}

struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

std::optional<WebhookUrl> parse_webhook_url(const std::string& url, std::string& error) {
    const std::string scheme = "http://";
    if (url.rfind("https://", 0) == 0) {
        error = "https:// is not supported; use an http:// URL, or --alert-exec with curl";
        return std::nullopt;
    }
    if (url.rfind(scheme, 0) != 0) {
        error = "'" + url + "' is not an http:// URL";
        return std::nullopt;
    }
    std::string rest = url.substr(scheme.size());
    WebhookUrl u;
    std::size_t slash = rest.find('/');
    std::string authority = rest.substr(0, slash);
    if (slash != std::string::npos) u.path = rest.substr(slash);
    u.host_header = authority;
    std::string port_text;
    if (!authority.empty() && authority.front() == '[') {
        std::size_t close = authority.find(']');
        if (close == std::string::npos) {
            error = "'" + url + "': unclosed [ in the address";
            return std::nullopt;
        }
        u.host = authority.substr(1, close - 1);
        if (close + 1 < authority.size()) {
            if (authority[close + 1] != ':') {
                error = "'" + url + "': expected :PORT after ]";
                return std::nullopt;
            }
            port_text = authority.substr(close + 2);
        }
    } else {
        std::size_t colon = authority.find(':');
        u.host = authority.substr(0, colon);
        if (colon != std::string::npos) port_text = authority.substr(colon + 1);
    }
    if (u.host.empty() || authority.find('@') != std::string::npos) {
        error = "'" + url + "' has no host (or has user info, which is not supported)";
        return std::nullopt;
    }
    if (!port_text.empty()) {
        unsigned port = 0;
        auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 1 || port > 65535) {
            error = "'" + url + "': port '" + port_text + "' is not 1-65535";
            return std::nullopt;
        }
        u.port = static_cast<std::uint16_t>(port);
    }
    return u;
}

std::string webhook_request(const WebhookUrl& url, const std::string& body) {
    return "POST " + url.path + " HTTP/1.1\r\n" + "Host: " + url.host_header + "\r\n" + "User-Agent: egresswatch\r\n" +
           "Content-Type: application/json\r\n" + "Content-Length: " + std::to_string(body.size()) + "\r\n" +
           "Connection: close\r\n\r\n" + body;
}

std::optional<std::string> post_webhook(const WebhookUrl& url, const std::string& body,
                                        std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    // getaddrinfo takes no deadline; resolv.conf's own timeout bounds it.
    int rc = ::getaddrinfo(url.host.c_str(), std::to_string(url.port).c_str(), &hints, &found);
    if (rc != 0) return "cannot resolve " + url.host + ": " + ::gai_strerror(rc);
    Fd sock;
    std::string last_error = "no address";
    for (addrinfo* a = found; a && sock.fd < 0; a = a->ai_next) {
        int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0 ||
            (errno == EINPROGRESS && wait_for(fd, POLLOUT, deadline))) {
            int err = 0;
            socklen_t len = sizeof(err);
            ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err == 0) {
                sock.fd = fd;
                break;
            }
            last_error = std::strerror(err);
        } else {
            last_error = remaining_ms(deadline) == 0 ? "connect timed out" : std::strerror(errno);
        }
        ::close(fd);
    }
    ::freeaddrinfo(found);
    if (sock.fd < 0) return "cannot connect to " + url.host_header + ": " + last_error;

    std::string request = webhook_request(url, body);
    for (std::size_t sent = 0; sent < request.size();) {
        ssize_t n = ::send(sock.fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (!wait_for(sock.fd, POLLOUT, deadline)) return "sending timed out";
        } else {
            return std::string("send: ") + std::strerror(errno);
        }
    }
    // Only the status line matters.
    std::string answer;
    while (answer.find('\n') == std::string::npos && answer.size() < 1024) {
        if (!wait_for(sock.fd, POLLIN, deadline)) return "no answer in time";
        char buf[512];
        ssize_t n = ::recv(sock.fd, buf, sizeof(buf), 0);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) continue;
            return std::string("recv: ") + std::strerror(errno);
        }
        answer.append(buf, static_cast<std::size_t>(n));
    }
    std::string line = answer.substr(0, answer.find_first_of("\r\n"));
    // "HTTP/1.1 204 No Content"
    std::size_t space = line.find(' ');
    if (line.rfind("HTTP/", 0) != 0 || space == std::string::npos || line.size() < space + 4)
        return line.empty() ? "no HTTP answer" : "not an HTTP answer: " + line;
    if (line[space + 1] != '2') return "server answered " + line.substr(space + 1);
    return std::nullopt;
}

}  // namespace egresswatch
