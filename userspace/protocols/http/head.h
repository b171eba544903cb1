#pragma once
// What HTTP request and response heads share: line splitting and header fields. Internal to
// the HTTP parser.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/http/message.h"
#include "protocols/parse_status.h"

namespace egresswatch {

class HttpLineReader {
public:
    explicit HttpLineReader(std::string_view data) : data_(data) {}

    // One line without its CRLF or bare LF. need_more when no line end has arrived yet,
    // malformed when the line is (or already must be) longer than max_length.
    ParseStatus next(std::string_view& line, std::size_t max_length);
    std::size_t consumed() const { return pos_; }

private:
    std::string_view data_;
    std::size_t pos_ = 0;
};

struct HttpHeaderFields {
    std::vector<HttpHeader> headers;
    std::optional<std::uint64_t> content_length;
    bool chunked = false;
    std::optional<std::string> host;
    std::optional<std::string> user_agent;
    // The first header line that broke the rules (a control byte, no colon, obs-fold, a bad
    // name), said in words; empty if none. Such lines are kept or skipped, not fatal.
    std::string malformed;
};

// Reads header lines up to and including the blank line. complete: fields hold every header;
// need_more: fields hold the whole lines seen; malformed: stop trusting the message (its
// framing: conflicting lengths, a line or head over the limits). A bad header line is only
// noted in fields.malformed: an observer reports the request it cannot fully trust rather than
// drop it.
ParseStatus read_header_fields(HttpLineReader& lines, HttpHeaderFields& fields);

// What request and response heads share: the start line, which `read_start_line` checks and
// stores, then the header fields. head_length is set only when the head is complete.
template <typename ReadStartLine>
ParseStatus read_head(std::string_view data, ReadStartLine&& read_start_line, HttpHeaderFields& fields,
                      std::size_t& head_length) {
    HttpLineReader lines(data);
    std::string_view line;
    if (auto status = lines.next(line, kMaxHttpStartLine); status != ParseStatus::complete) return status;
    if (!read_start_line(line)) return ParseStatus::malformed;
    const ParseStatus status = read_header_fields(lines, fields);
    if (status == ParseStatus::complete) head_length = lines.consumed();
    return status;
}

// "HTTP/" DIGIT "." DIGIT (RFC 9112 2.3).
bool is_http_version(std::string_view text);

// No control bytes but horizontal tab; obs-text (0x80-0xFF) is allowed, as RFC 9110 allows it.
bool is_field_text(std::string_view text);

}  // namespace egresswatch
