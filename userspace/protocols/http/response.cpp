#include "protocols/http/response.h"

#include "protocols/http/head.h"

#include "base/ascii.h"

namespace egresswatch {
namespace {

constexpr std::string_view kVersionPrefix = "HTTP/";

// "HTTP/1.1 200 OK", or "HTTP/1.1 200" with the reason left out.
bool read_status_line(std::string_view line, HttpResponse& response) {
    if (line.size() < 12 || !is_http_version(line.substr(0, 8)) || line[8] != ' ') return false;
    const auto code = line.substr(9, 3);
    if (!is_ascii_digit(code[0]) || !is_ascii_digit(code[1]) || !is_ascii_digit(code[2])) return false;
    std::string_view reason;
    if (line.size() > 12) {
        if (line[12] != ' ') return false;
        reason = line.substr(13);
        if (!is_field_text(reason)) return false;
    }
    response.version = std::string(line.substr(0, 8));
    response.status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
    response.reason = std::string(reason);
    return true;
}

}  // namespace

HttpResponseResult parse_http_response(std::string_view data) {
    HttpResponseResult result;
    const auto prefix_length = std::min(data.size(), kVersionPrefix.size());
    if (data.substr(0, prefix_length) != kVersionPrefix.substr(0, prefix_length)) {
        result.status = ParseStatus::not_this_protocol;
        return result;
    }
    HttpResponse& response = result.response;
    HttpHeaderFields fields;
    result.status = read_head(
        data, [&](std::string_view line) { return read_status_line(line, response); }, fields, response.head_length);
    response.headers = std::move(fields.headers);
    response.content_length = fields.content_length;
    response.chunked = fields.chunked;
    response.malformed = std::move(fields.malformed);
    return result;
}

bool looks_like_http_response(std::string_view first_bytes) { return first_bytes.starts_with("HTTP/1."); }

}  // namespace egresswatch
