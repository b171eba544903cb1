#include "protocols/http/request.h"

#include "protocols/http/head.h"

#include <algorithm>

#include "base/ascii.h"
#include "redaction/request_target.h"

namespace egresswatch {
namespace {

// Real methods are short upper-case tokens; accepting any token would make every line of
// text a candidate request.
constexpr std::size_t kMaxMethodLength = 20;

constexpr bool is_method_char(char c) { return (c >= 'A' && c <= 'Z') || c == '-' || c == '_'; }

// Decides from the bytes before the first space alone whether this can be a request, so that
// a few bytes of something else are rejected at once instead of waiting for a line end.
ParseStatus method_prefix_status(std::string_view data) {
    std::size_t i = 0;
    while (i < data.size() && i <= kMaxMethodLength && is_method_char(data[i])) ++i;
    if (i == data.size()) return i <= kMaxMethodLength ? ParseStatus::need_more : ParseStatus::not_this_protocol;
    if (data[i] == ' ' && i >= 1 && i <= kMaxMethodLength) return ParseStatus::complete;
    return ParseStatus::not_this_protocol;
}

bool is_target_text(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

bool read_request_line(std::string_view line, HttpRequest& request) {
    const auto first_space = line.find(' ');
    const auto second_space = line.find(' ', first_space + 1);
    if (second_space == std::string_view::npos) return false;
    const auto target = line.substr(first_space + 1, second_space - first_space - 1);
    const auto version = line.substr(second_space + 1);
    if (!is_target_text(target) || !is_http_version(version)) return false;
    request.method = std::string(line.substr(0, first_space));
    request.target = std::string(target);
    request.version = std::string(version);
    return true;
}

std::optional<std::string> host_from_target(const HttpRequest& request) {
    if (request.method == "CONNECT") return ascii_lowercase(request.target);
    const auto parts = split_request_target(request.target);
    if (parts.absolute && !parts.host_port.empty()) return ascii_lowercase(parts.host_port);
    return std::nullopt;
}

}  // namespace

HttpRequestResult parse_http_request(std::string_view data) {
    HttpRequestResult result;
    if (auto status = method_prefix_status(data); status != ParseStatus::complete) {
        result.status = status;
        return result;
    }
    HttpRequest& request = result.request;
    HttpHeaderFields fields;
    result.status = read_head(
        data, [&](std::string_view line) { return read_request_line(line, request); }, fields, request.head_length);
    request.headers = std::move(fields.headers);
    request.content_length = fields.content_length;
    request.chunked = fields.chunked;
    request.user_agent = std::move(fields.user_agent);
    request.malformed = std::move(fields.malformed);
    request.host = host_from_target(request);
    if (!request.host) request.host = std::move(fields.host);
    return result;
}

bool looks_like_http_request(std::string_view first_bytes) {
    static constexpr std::string_view kMethods[] = {"GET ",     "HEAD ",  "POST ",    "PUT ",  "DELETE ",
                                                    "OPTIONS ", "PATCH ", "CONNECT ", "TRACE "};
    return std::any_of(std::begin(kMethods), std::end(kMethods),
                       [&](std::string_view method) { return first_bytes.starts_with(method); });
}

}  // namespace egresswatch
