#pragma once
// --metrics-listen ADDR:PORT, checked once where the command line is parsed.

#include <cstdint>
#include <optional>
#include <string>

namespace egresswatch {

struct MetricsListen {
    std::string address;  // an IPv4 or IPv6 literal, without brackets
    std::uint16_t port = 0;
    std::string text() const;  // as given: 127.0.0.1:9464, [::1]:9464
};

// "127.0.0.1:9464" or "[::1]:9464"; nullopt with `error` saying what is wrong in words.
std::optional<MetricsListen> parse_metrics_listen(const std::string& text, std::string& error);

}  // namespace egresswatch
