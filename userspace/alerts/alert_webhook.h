#pragma once
// --alert-webhook URL: POSTs each alert's JSON to an http:// URL. A minimal HTTP/1.1 client:
// one request per connection (Connection: close), every step within one time budget, and any
// 2xx status counts as delivered. https:// is not supported (docs/alerts.md says how to get it with
// --alert-exec and curl).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace egresswatch {

struct WebhookUrl {
    std::string host;  // name or address; an IPv6 address without its brackets
    std::uint16_t port = 80;
    std::string path = "/";
    std::string host_header;  // as the URL wrote it: "hooks.example:8080", "[fd00::1]"
};

// nullopt with `error` set when the URL is not http://HOST[:PORT][/PATH].
std::optional<WebhookUrl> parse_webhook_url(const std::string& url, std::string& error);

// The whole request, head and body.
std::string webhook_request(const WebhookUrl& url, const std::string& body);

// Why the POST failed, or nullopt when the server answered 2xx.
std::optional<std::string> post_webhook(const WebhookUrl& url, const std::string& body,
                                        std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace egresswatch
