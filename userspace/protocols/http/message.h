#pragma once
// HTTP/1.x message heads as captured from the first bytes of a flow: who was asked for what.
// Heads only: bodies are skipped by length, never read. Parsed by request.h, response.h and,
// several in one buffer, stream.h.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/parse_status.h"

namespace egresswatch {

inline constexpr std::size_t kMaxHttpStartLine = 8 * 1024;
inline constexpr std::size_t kMaxHttpHeaderLine = 8 * 1024;
inline constexpr std::size_t kMaxHttpHead = 64 * 1024;
inline constexpr std::size_t kMaxHttpHeaders = 64;     // kept; later ones are still checked
inline constexpr std::size_t kMaxHttpPipelined = 256;  // messages returned from one buffer

struct HttpHeader {
    std::string name;   // as sent
    std::string value;  // as sent, without surrounding whitespace
};

struct HttpRequest {
    std::string method, target, version;  // target as sent (origin-, absolute- or authority-form)
    // Lower-cased, port kept. From the authority of an absolute-form target (userinfo
    // dropped) or a CONNECT target, which RFC 9112 3.2.2 puts above the Host header;
    // otherwise from the first Host header.
    std::optional<std::string> host;
    std::optional<std::string> user_agent;
    std::optional<std::uint64_t> content_length;
    bool chunked = false;
    std::vector<HttpHeader> headers;  // at most kMaxHttpHeaders, values NOT redacted here
    std::size_t head_length = 0;      // bytes up to and including the blank line (0 if not complete)
    std::string malformed;            // the first bad header line, in words (http_head.h); "" if none
};

struct HttpResponse {
    std::string version;
    int status = 0;
    std::string reason;
    std::optional<std::uint64_t> content_length;
    bool chunked = false;
    std::vector<HttpHeader> headers;
    std::size_t head_length = 0;
    std::string malformed;
};

struct HttpRequestResult {
    ParseStatus status = ParseStatus::need_more;
    HttpRequest request;
};

struct HttpResponseResult {
    ParseStatus status = ParseStatus::need_more;
    HttpResponse response;
};

}  // namespace egresswatch
