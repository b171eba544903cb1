#include "metrics/metrics_listen.h"

#include <charconv>

#include "base/ip_address.h"

namespace egresswatch {

std::string MetricsListen::text() const {
    bool v6 = address.find(':') != std::string::npos;
    return (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

std::optional<MetricsListen> parse_metrics_listen(const std::string& text, std::string& error) {
    auto colon = text.rfind(':');
    if (colon == std::string::npos || colon + 1 == text.size()) {
        error = "expected ADDRESS:PORT, e.g. 127.0.0.1:9464 or [::1]:9464";
        return std::nullopt;
    }
    std::string host = text.substr(0, colon);
    std::string port_text = text.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 || port > 65535) {
        error = "the port must be a number from 1 to 65535";
        return std::nullopt;
    }
    if (!IpAddress::parse(host)) {
        error = "the address must be an IP address (0.0.0.0 or :: for every interface), not a name";
        return std::nullopt;
    }
    return MetricsListen{host, static_cast<std::uint16_t>(port)};
}

}  // namespace egresswatch
