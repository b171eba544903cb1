// libFuzzer target: DNS messages over UDP and TCP, and the resolutions drawn from them.
// Beyond "no crash", it checks the bounds the parser promises its callers.

#include <cstdint>
#include <cstdlib>
#include <span>

#include "protocols/dns/names.h"
#include "protocols/dns/parser.h"
#include "protocols/dns/resolutions.h"

using namespace egresswatch;

namespace {

// An escaped name is at most 4 characters per wire byte.
constexpr std::size_t kMaxEscapedName = 4 * 255;

void require(bool condition) {
    if (!condition) std::abort();
}

void check(const DnsMessage& message) {
    require(message.answers.size() <= kMaxDnsAnswers);
    require(message.question.size() <= kMaxEscapedName);
    for (const auto& answer : message.answers) {
        require(answer.name.size() <= kMaxEscapedName && answer.target.size() <= kMaxEscapedName);
        require(!answer.address || answer.type == kDnsTypeA || answer.type == kDnsTypeAaaa);
        require(answer.ttl < 0x80000000u);
        (void)dns_type_name(answer.type);
    }
    const auto resolutions = dns_resolutions(message);
    require(resolutions.size() <= message.answers.size());
    for (const auto& resolution : resolutions) require(resolution.cname_chain.size() <= kMaxCnameChain);
    (void)dns_rcode_name(message.rcode);
    (void)dns_type_name(message.question_type);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> bytes(data, size);
    if (auto message = parse_dns_message(bytes)) check(*message);
    const auto messages = parse_dns_tcp(bytes);
    require(messages.size() <= size / 14);  // a length prefix and a header each, at least
    for (const auto& message : messages) check(message);
    return 0;
}
