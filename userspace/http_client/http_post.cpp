#include "http_client/http_post.h"

#include <memory>
#include <mutex>

#include "http_client/curl_handles.h"

namespace egresswatch {

void init_curl() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

namespace {

// A failed answer's body is kept for the message (ClickHouse explains there); no more than this.
constexpr std::size_t kErrorBodyBytes = 1024;

struct Transfer {
    const HttpPost* post = nullptr;
    std::string status_line;  // "500 Internal Server Error", of the last head (a 100 Continue comes first)
    long status = 0;
    std::string error_body;
    bool stopped = false;  // on_body asked to stop
};

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    std::string_view line(data, size * count);
    if (line.starts_with("HTTP/")) {
        auto space = line.find(' ');
        std::string status(line.substr(space == std::string_view::npos ? line.size() : space + 1));
        while (!status.empty() && (status.back() == '\r' || status.back() == '\n')) status.pop_back();
        t->status_line = status;
        t->status = std::atol(status.c_str());
    }
    return size * count;
}

std::size_t on_data(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    std::string_view piece(data, size * count);
    if (t->status >= 200 && t->status < 300) {
        if (t->post->on_body && !t->post->on_body(piece)) {
            t->stopped = true;
            return 0;
        }
    } else if (t->error_body.size() < kErrorBodyBytes) {
        t->error_body.append(piece.substr(0, kErrorBodyBytes - t->error_body.size()));
    }
    return piece.size();
}

// The first line of a server's explanation, trimmed.
std::string first_line(const std::string& text) {
    std::string line = text.substr(0, text.find('\n'));
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    return line;
}

}  // namespace

HttpOutcome http_post(const HttpUrl& url, const HttpPost& post) {
    init_curl();
    HttpOutcome outcome;
    std::unique_ptr<CURL, EasyFree> h(curl_easy_init());
    if (!h) {
        outcome.error = "libcurl could not make a handle";
        return outcome;
    }
    std::string content_type = "Content-Type: " + post.content_type;
    std::unique_ptr<curl_slist, ListFree> headers(curl_slist_append(nullptr, content_type.c_str()));
    std::string full = url.origin + post.target;
    char detail[CURL_ERROR_SIZE] = "";
    Transfer transfer;
    transfer.post = &post;
    curl_easy_setopt(h.get(), CURLOPT_URL, full.c_str());
    // A redirect could lead anywhere, file:// included: neither followed nor allowed.
    curl_easy_setopt(h.get(), CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h.get(), CURLOPT_POSTFIELDS, post.body.data());
    curl_easy_setopt(h.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(post.body.size()));
    curl_easy_setopt(h.get(), CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(h.get(), CURLOPT_USERAGENT, "egresswatch");
    curl_easy_setopt(h.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(post.timeout.count()));
    curl_easy_setopt(h.get(), CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(post.connect_timeout.count()));
    curl_easy_setopt(h.get(), CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h.get(), CURLOPT_ERRORBUFFER, detail);
    curl_easy_setopt(h.get(), CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h.get(), CURLOPT_HEADERDATA, &transfer);
    curl_easy_setopt(h.get(), CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h.get(), CURLOPT_WRITEDATA, &transfer);
    if (!url.user.empty()) {
        curl_easy_setopt(h.get(), CURLOPT_USERNAME, url.user.c_str());
        curl_easy_setopt(h.get(), CURLOPT_PASSWORD, url.password.c_str());
    }
    if (!url.ca_file.empty()) curl_easy_setopt(h.get(), CURLOPT_CAINFO, url.ca_file.c_str());
    CURLcode result = curl_easy_perform(h.get());
    long code = 0;
    curl_easy_getinfo(h.get(), CURLINFO_RESPONSE_CODE, &code);
    outcome.status = code;
    if (result != CURLE_OK) {
        outcome.error = transfer.stopped ? "stopped reading the answer"
                        : detail[0]      ? detail
                                         : curl_easy_strerror(result);
        return outcome;
    }
    if (code < 200 || code >= 300) {
        outcome.error =
            "server answered " + (transfer.status_line.empty() ? std::to_string(code) : transfer.status_line);
        if (std::string why = first_line(transfer.error_body); !why.empty()) outcome.error += ": " + why;
    }
    return outcome;
}

std::string url_escape(std::string_view text) {
    init_curl();
    std::unique_ptr<char, CurlFree> escaped(curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size())));
    return escaped ? std::string(escaped.get()) : std::string();
}

}  // namespace egresswatch
