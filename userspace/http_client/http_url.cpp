#include "http_client/http_url.h"

#include <curl/curl.h>

#include <memory>

#include "http_client/curl_handles.h"

namespace egresswatch {
namespace {

// A part of a parsed URL, "" when it has none (URL-decoded when asked: user and password).
std::string url_part(CURLU* u, CURLUPart part, unsigned flags = 0) {
    char* raw = nullptr;
    if (curl_url_get(u, part, &raw, flags) != CURLUE_OK) return "";
    std::unique_ptr<char, CurlFree> owned(raw);
    return raw;
}

// The URL as messages may quote it: a password never reaches a log.
std::string without_password(const std::string& url) {
    auto scheme_end = url.find("://");
    auto at = url.find('@', scheme_end == std::string::npos ? 0 : scheme_end);
    auto slash = url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
    if (scheme_end == std::string::npos || at == std::string::npos || (slash != std::string::npos && slash < at))
        return url;
    auto colon = url.find(':', scheme_end + 3);
    if (colon == std::string::npos || colon > at) return url;
    return url.substr(0, colon) + ":***" + url.substr(at);
}

}  // namespace

std::string HttpUrl::shown() const {
    std::string scheme_end = "://";
    auto at = origin.find(scheme_end);
    std::string text = origin;
    if (!user.empty()) text.insert(at + scheme_end.size(), user + (password.empty() ? "" : ":***") + "@");
    return text + (path == "/" ? "" : path);
}

std::optional<HttpUrl> parse_http_url(const std::string& url, std::string& error, UserInfo user_info,
                                      unsigned default_port) {
    init_curl();
    std::string quoted = "'" + without_password(url) + "'";
    std::unique_ptr<CURLU, UrlFree> u(curl_url());
    if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
        error = quoted + " is not a URL like https://host.example:8443/path";
        return std::nullopt;
    }
    std::string scheme = url_part(u.get(), CURLUPART_SCHEME);
    if (scheme != "http" && scheme != "https") {
        error = quoted + " is not an http:// or https:// URL";
        return std::nullopt;
    }
    HttpUrl out;
    out.https = scheme == "https";
    out.host = url_part(u.get(), CURLUPART_HOST);
    if (out.host.empty()) {
        error = quoted + " has no host";
        return std::nullopt;
    }
    out.user = url_part(u.get(), CURLUPART_USER, CURLU_URLDECODE);
    out.password = url_part(u.get(), CURLUPART_PASSWORD, CURLU_URLDECODE);
    if (user_info == UserInfo::refused && (!out.user.empty() || !out.password.empty())) {
        error = quoted + " has user info, which is not supported here";
        return std::nullopt;
    }
    std::string port = url_part(u.get(), CURLUPART_PORT);
    if (!port.empty() && (port.size() > 5 || std::stoul(port) < 1 || std::stoul(port) > 65535)) {
        error = quoted + ": port '" + port + "' is not 1-65535";
        return std::nullopt;
    }
    if (port.empty() && default_port) port = std::to_string(default_port);
    // libcurl gives an IPv6 address with its brackets.
    out.origin = scheme + "://" + out.host + (port.empty() ? "" : ":" + port);
    out.path = url_part(u.get(), CURLUPART_PATH);
    if (out.path.empty()) out.path = "/";
    if (std::string query = url_part(u.get(), CURLUPART_QUERY); !query.empty()) out.path += "?" + query;
    return out;
}

}  // namespace egresswatch
