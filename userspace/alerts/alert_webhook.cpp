#include "alerts/alert_webhook.h"

#include "http_client/http_post.h"

namespace egresswatch {

std::optional<WebhookUrl> parse_webhook_url(const std::string& url, std::string& error) {
    return parse_http_url(url, error, UserInfo::refused);
}

std::optional<std::string> post_webhook(const WebhookUrl& url, const std::string& body,
                                        std::chrono::milliseconds timeout) {
    HttpPost post;
    post.target = url.path;
    post.body = body;
    post.timeout = timeout;
    post.connect_timeout = timeout;
    HttpOutcome outcome = http_post(url, post);
    if (outcome.ok()) return std::nullopt;
    return outcome.error;
}

}  // namespace egresswatch
