#pragma once
// --alert-webhook URL: POSTs each alert's JSON to an http:// or https:// URL, through libcurl
// (certificates checked against the system's CAs, or --alert-webhook-ca's). One request per
// alert, every step within one time budget; any 2xx status counts as delivered, and redirects
// are not followed (a webhook that moved says so by failing).

#include <chrono>
#include <optional>
#include <string>

#include "http_client/http_url.h"

namespace egresswatch {

// Checked: http:// or https://, a host, a port 1-65535, no user info. ca_file is
// --alert-webhook-ca's: PEM certificates to trust instead of the system's.
using WebhookUrl = HttpUrl;

// nullopt with `error` set when the URL is not http(s)://HOST[:PORT][/PATH].
std::optional<WebhookUrl> parse_webhook_url(const std::string& url, std::string& error);

// Why the POST failed, or nullopt when the server answered 2xx.
std::optional<std::string> post_webhook(const WebhookUrl& url, const std::string& body,
                                        std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace egresswatch
