#include "protocols/http/stream.h"

#include "protocols/http/request.h"
#include "protocols/http/response.h"

namespace egresswatch {
namespace {

// Stray CRLFs between messages are tolerated (RFC 9112 2.2: after a body some clients add one).
std::string_view skip_blank_lines(std::string_view data) {
    const auto start = data.find_first_not_of("\r\n");
    return start == std::string_view::npos ? std::string_view{} : data.substr(start);
}

// How many body bytes follow a head, or nullopt when the body runs to a point we cannot find
// (chunked, or until the connection closes).
std::optional<std::uint64_t> request_body_length(const HttpRequest& request) {
    if (request.chunked) return std::nullopt;
    return request.content_length.value_or(0);
}

std::optional<std::uint64_t> response_body_length(const HttpResponse& response) {
    // RFC 9112 6.3: these never carry a body whatever their headers say.
    if ((response.status >= 100 && response.status < 200) || response.status == 204 || response.status == 304) return 0;
    if (response.chunked) return std::nullopt;
    return response.content_length;
}

template <typename Message, typename Parse, typename BodyLength, typename HasStartLine>
std::vector<Message> parse_sequence(std::string_view data, Parse parse, BodyLength body_length,
                                    HasStartLine has_start_line) {
    std::vector<Message> messages;
    for (data = skip_blank_lines(data); !data.empty() && messages.size() < kMaxHttpPipelined;
         data = skip_blank_lines(data)) {
        auto [status, message] = parse(data);
        if (status == ParseStatus::need_more && has_start_line(message)) messages.push_back(std::move(message));
        if (status != ParseStatus::complete) break;
        const auto head_length = message.head_length;
        const auto body = body_length(message);
        messages.push_back(std::move(message));
        if (!body || *body > data.size() - head_length) break;
        data.remove_prefix(head_length + static_cast<std::size_t>(*body));
    }
    return messages;
}

}  // namespace

std::vector<HttpRequest> parse_http_requests(std::string_view data) {
    return parse_sequence<HttpRequest>(
        data,
        [](std::string_view rest) {
            auto r = parse_http_request(rest);
            return std::pair{r.status, std::move(r.request)};
        },
        request_body_length, [](const HttpRequest& request) { return !request.method.empty(); });
}

std::vector<HttpResponse> parse_http_responses(std::string_view data) {
    return parse_sequence<HttpResponse>(
        data,
        [](std::string_view rest) {
            auto r = parse_http_response(rest);
            return std::pair{r.status, std::move(r.response)};
        },
        response_body_length, [](const HttpResponse& response) { return response.status != 0; });
}

}  // namespace egresswatch
