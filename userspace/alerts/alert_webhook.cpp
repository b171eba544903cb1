#include "alerts/alert_webhook.h"

#include <curl/curl.h>

#include <memory>
#include <mutex>

namespace egresswatch {
namespace {

struct UrlFree {
    void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
struct EasyFree {
    void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct ListFree {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct CurlFree {
    void operator()(char* s) const { curl_free(s); }
};

// A part of a parsed URL, "" when it has none.
std::string url_part(CURLU* u, CURLUPart part) {
    char* raw = nullptr;
    if (curl_url_get(u, part, &raw, 0) != CURLUE_OK) return "";
    std::unique_ptr<char, CurlFree> owned(raw);
    return raw;
}

// libcurl's global state, once, before the first handle (from whichever thread posts first).
void init_curl() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// The status line's code and reason ("500 Internal Server Error"), from the last response head
// (a 100 Continue comes first).
std::size_t keep_status_line(char* data, std::size_t size, std::size_t count, void* out) {
    std::string_view line(data, size * count);
    if (line.starts_with("HTTP/")) {
        auto space = line.find(' ');
        std::string status(line.substr(space == std::string_view::npos ? line.size() : space + 1));
        while (!status.empty() && (status.back() == '\r' || status.back() == '\n')) status.pop_back();
        *static_cast<std::string*>(out) = status;
    }
    return size * count;
}

std::size_t discard_body(char*, std::size_t size, std::size_t count, void*) { return size * count; }

}  // namespace

std::optional<WebhookUrl> parse_webhook_url(const std::string& url, std::string& error) {
    init_curl();
    std::unique_ptr<CURLU, UrlFree> u(curl_url());
    if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
        error = "'" + url + "' is not a URL like https://hooks.example/egress";
        return std::nullopt;
    }
    std::string scheme = url_part(u.get(), CURLUPART_SCHEME);
    if (scheme != "http" && scheme != "https") {
        error = "'" + url + "' is not an http:// or https:// URL";
        return std::nullopt;
    }
    WebhookUrl out;
    out.url = url;
    out.https = scheme == "https";
    out.host = url_part(u.get(), CURLUPART_HOST);
    if (out.host.empty() || !url_part(u.get(), CURLUPART_USER).empty()) {
        error = "'" + url + "' has no host (or has user info, which is not supported)";
        return std::nullopt;
    }
    std::string port = url_part(u.get(), CURLUPART_PORT);
    if (!port.empty() && (port.size() > 5 || std::stoul(port) < 1 || std::stoul(port) > 65535)) {
        error = "'" + url + "': port '" + port + "' is not 1-65535";
        return std::nullopt;
    }
    return out;
}

std::optional<std::string> post_webhook(const WebhookUrl& url, const std::string& body,
                                        std::chrono::milliseconds timeout) {
    init_curl();
    std::unique_ptr<CURL, EasyFree> h(curl_easy_init());
    if (!h) return "libcurl could not make a handle";
    std::unique_ptr<curl_slist, ListFree> headers(curl_slist_append(nullptr, "Content-Type: application/json"));
    char detail[CURL_ERROR_SIZE] = "";
    std::string status;
    curl_easy_setopt(h.get(), CURLOPT_URL, url.url.c_str());
    // A redirect could lead anywhere, file:// included: neither followed nor allowed.
    curl_easy_setopt(h.get(), CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h.get(), CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(h.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(h.get(), CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(h.get(), CURLOPT_USERAGENT, "egresswatch");
    curl_easy_setopt(h.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    // Delivery runs on a worker thread: no signals for name lookup timeouts.
    curl_easy_setopt(h.get(), CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h.get(), CURLOPT_ERRORBUFFER, detail);
    curl_easy_setopt(h.get(), CURLOPT_HEADERFUNCTION, keep_status_line);
    curl_easy_setopt(h.get(), CURLOPT_HEADERDATA, &status);
    curl_easy_setopt(h.get(), CURLOPT_WRITEFUNCTION, discard_body);
    if (!url.ca_file.empty()) curl_easy_setopt(h.get(), CURLOPT_CAINFO, url.ca_file.c_str());
    CURLcode result = curl_easy_perform(h.get());
    if (result != CURLE_OK) return std::string(detail[0] ? detail : curl_easy_strerror(result));
    long code = 0;
    curl_easy_getinfo(h.get(), CURLINFO_RESPONSE_CODE, &code);
    if (code >= 200 && code < 300) return std::nullopt;
    return "server answered " + (status.empty() ? std::to_string(code) : status);
}

}  // namespace egresswatch
