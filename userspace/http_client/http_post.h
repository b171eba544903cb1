#pragma once
// One POST through libcurl, within one time budget: the webhook's and ClickHouse's requests.
// Redirects are not followed (a service that moved says so by failing), only http and https
// are spoken, and no signal is raised (these run on worker threads).

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "http_client/http_url.h"

namespace egresswatch {

struct HttpPost {
    std::string target;  // what follows the origin: a path, and a query made with url_escape
    std::string_view body;
    std::string content_type = "application/json";
    std::chrono::milliseconds timeout{10'000};
    std::chrono::milliseconds connect_timeout{5'000};
    // A 2xx answer's body, a piece at a time; returning false ends the transfer as failed.
    // Unset: the body is discarded.
    std::function<bool(std::string_view)> on_body;
};

struct HttpOutcome {
    long status = 0;    // 0: no answer (the connection failed, or timed out)
    std::string error;  // empty: a 2xx answer. Else why not, with the start of the server's answer
    bool ok() const { return error.empty(); }
    bool answered() const { return status != 0; }
};

HttpOutcome http_post(const HttpUrl& url, const HttpPost& post);

// Percent-encodes `text` for a URL's query.
std::string url_escape(std::string_view text);

}  // namespace egresswatch
