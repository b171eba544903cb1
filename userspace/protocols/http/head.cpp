#include "protocols/http/head.h"

#include <algorithm>
#include <charconv>

#include "base/ascii.h"

namespace egresswatch {
namespace {

std::string_view trim_whitespace(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

std::optional<std::uint64_t> parse_content_length(std::string_view text) {
    std::uint64_t value = 0;
    if (text.empty() || !std::all_of(text.begin(), text.end(), is_ascii_digit)) return std::nullopt;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// Only the last transfer coding decides how the body is framed (RFC 9112 6.3).
bool last_coding_is_chunked(std::string_view value) {
    const auto comma = value.rfind(',');
    const auto last = comma == std::string_view::npos ? value : value.substr(comma + 1);
    return ascii_iequals(trim_whitespace(last), "chunked");
}

ParseStatus apply_field(std::string_view name, std::string_view value, HttpHeaderFields& fields) {
    if (ascii_iequals(name, "content-length")) {
        auto length = parse_content_length(value);
        // Two different lengths is how request smuggling starts: such a message has no length.
        if (!length || (fields.content_length && *fields.content_length != *length)) return ParseStatus::malformed;
        fields.content_length = length;
    } else if (ascii_iequals(name, "transfer-encoding")) {
        fields.chunked = last_coding_is_chunked(value);
    } else if (ascii_iequals(name, "host")) {
        if (!fields.host && !value.empty()) fields.host = ascii_lowercase(value);
    } else if (ascii_iequals(name, "user-agent")) {
        if (!fields.user_agent) fields.user_agent = std::string(value);
    }
    return ParseStatus::complete;
}

}  // namespace

ParseStatus HttpLineReader::next(std::string_view& line, std::size_t max_length) {
    const std::string_view rest = data_.substr(pos_);
    // Look no further than a line of the maximum length could reach, so hostile input costs
    // at most that much scanning per line.
    const std::string_view window = rest.substr(0, max_length + 2);
    const auto newline = window.find('\n');
    if (newline == std::string_view::npos) {
        return rest.size() > max_length + 1 ? ParseStatus::malformed : ParseStatus::need_more;
    }
    line = rest.substr(0, newline);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > max_length) return ParseStatus::malformed;
    pos_ += newline + 1;
    return ParseStatus::complete;
}

bool is_http_version(std::string_view text) {
    return text.size() == 8 && text.substr(0, 5) == "HTTP/" && is_ascii_digit(text[5]) && text[6] == '.' &&
           is_ascii_digit(text[7]);
}

bool is_field_text(std::string_view text) {
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if ((byte < 0x20 && c != '\t') || byte == 0x7f) return false;
    }
    return true;
}

ParseStatus read_header_fields(HttpLineReader& lines, HttpHeaderFields& fields) {
    for (;;) {
        std::string_view line;
        if (auto status = lines.next(line, kMaxHttpHeaderLine); status != ParseStatus::complete) return status;
        if (lines.consumed() > kMaxHttpHead) return ParseStatus::malformed;
        if (line.empty()) return ParseStatus::complete;
        auto note = [&](std::string what) {
            if (fields.malformed.empty()) fields.malformed = std::move(what);
        };
        // obs-fold (a continuation line) is deprecated and a smuggling vector: it is not joined
        // to the header before it.
        if (line.front() == ' ' || line.front() == '\t') {
            note("obsolete line folding");
            continue;
        }
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) {
            note("a header line without a colon");
            continue;
        }
        const auto name = line.substr(0, colon);
        const auto value = trim_whitespace(line.substr(colon + 1));
        if (!is_token(name)) {
            note("a header name that is not a token");
            continue;
        }
        // Kept as sent (writers escape control bytes): what a client sent is worth seeing. But
        // it names no host and frames no body.
        if (!is_field_text(value))
            note("a control byte in header " + std::string(name));
        else if (auto status = apply_field(name, value, fields); status != ParseStatus::complete)
            return status;
        if (fields.headers.size() < kMaxHttpHeaders) fields.headers.push_back({std::string(name), std::string(value)});
    }
}

}  // namespace egresswatch
