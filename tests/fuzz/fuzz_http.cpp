// libFuzzer target: HTTP/1.x request and response heads, pipelined sequences, and what is
// derived from a request target (redaction, path, artifact kind).

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "protocols/http/artifact.h"
#include "protocols/http/request.h"
#include "protocols/http/response.h"
#include "protocols/http/stream.h"
#include "redaction/redaction.h"
#include "redaction/text_redaction.h"

using namespace egresswatch;

namespace {

void require(bool condition) {
    if (!condition) std::abort();
}

void check_target(std::string_view target) {
    const auto redacted = redact_target(target);
    require(redacted.find('#') == std::string::npos);
    require(redact_target(redacted) == redacted);  // nothing left to redact
    const auto path = path_of(target);
    require(path.find_first_of("?#") == std::string_view::npos);
    (void)artifact_type(path);
    (void)artifact_type(target);
}

template <typename Message>
void check_head(const Message& message, std::size_t size) {
    require(message.headers.size() <= kMaxHttpHeaders);
    require(message.head_length <= size && message.head_length <= kMaxHttpHead);
    for (const auto& header : message.headers) (void)redact_header_value(header.name, header.value);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    const auto request = parse_http_request(text);
    check_head(request.request, size);
    check_target(request.request.target);
    if (request.status == ParseStatus::complete) {
        // The head alone parses the same: nothing after the blank line was looked at.
        const auto head_only = parse_http_request(text.substr(0, request.request.head_length));
        require(head_only.status == ParseStatus::complete &&
                head_only.request.head_length == request.request.head_length);
    }
    const auto response = parse_http_response(text);
    check_head(response.response, size);

    const auto requests = parse_http_requests(text);
    require(requests.size() <= kMaxHttpPipelined);
    for (const auto& each : requests) {
        check_head(each, size);
        check_target(each.target);
    }
    const auto responses = parse_http_responses(text);
    require(responses.size() <= kMaxHttpPipelined);
    for (const auto& each : responses) check_head(each, size);

    // The raw input as a target too: redaction must hold for any string, not just valid ones.
    check_target(text);
    return 0;
}
