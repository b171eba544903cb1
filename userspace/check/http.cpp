#include "check/http.h"

#include <cctype>

namespace egresswatch::check {
namespace {

// A status line is short; a server that sends this much without a line break is not HTTP.
constexpr std::size_t kMaxStatusLine = 1024;

bool digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// The bytes of a response that is not HTTP, printable, for the error message.
std::string printable_prefix(std::string_view bytes) {
    std::string out;
    for (char c : bytes.substr(0, 32)) out += std::isprint(static_cast<unsigned char>(c)) ? c : '.';
    return out;
}

}  // namespace

std::optional<std::string> parse_status_line(std::string_view start) {
    std::string_view line = start.substr(0, start.find('\n'));
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    // HTTP/d.d SP ddd [SP reason]
    if (line.size() < 12 || line.substr(0, 5) != "HTTP/" || !digit(line[5]) || line[6] != '.' || !digit(line[7]) ||
        line[8] != ' ' || !digit(line[9]) || !digit(line[10]) || !digit(line[11]))
        return std::nullopt;
    if (line.size() > 12 && line[12] != ' ') return std::nullopt;
    return std::string(line);
}

HttpAnswer http_head(ByteStream& stream, const std::string& host_header, Deadline deadline) {
    HttpAnswer out;
    std::string request = "HEAD / HTTP/1.1\r\nHost: " + host_header +
                          "\r\nUser-Agent: egresswatch-check\r\nAccept: */*\r\nConnection: close\r\n\r\n";
    if (!stream.write_all(request, deadline, out.error)) {
        out.timed_out = out.error.find("timed out") != std::string::npos;
        return out;
    }
    std::string got;
    char buf[512];
    while (got.find('\n') == std::string::npos && got.size() < kMaxStatusLine) {
        long n = stream.read_some(buf, sizeof buf, deadline, out.error);
        if (n < 0) {
            out.timed_out = out.error.find("timed out") != std::string::npos;
            return out;
        }
        if (n == 0) break;
        got.append(buf, static_cast<std::size_t>(n));
    }
    if (auto line = parse_status_line(got)) {
        out.ok = true;
        out.status_line = *line;
        return out;
    }
    out.error = got.empty() ? "connection closed without a response"
                            : "the answer is not HTTP: \"" + printable_prefix(got) + "\"";
    return out;
}

}  // namespace egresswatch::check
