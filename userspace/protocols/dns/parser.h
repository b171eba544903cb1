#pragma once
// DNS messages as captured on the wire (UDP datagrams or TCP streams): enough of them to
// name the addresses a process was given, and nothing that trusts the sender.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/ip_address.h"

namespace egresswatch {

inline constexpr std::uint16_t kDnsTypeA = 1;
inline constexpr std::uint16_t kDnsTypeCname = 5;
inline constexpr std::uint16_t kDnsTypeAaaa = 28;

// A hostile message can repeat one compressed name thousands of times; keeping this many
// answers is far beyond what any real resolver returns.
inline constexpr std::size_t kMaxDnsAnswers = 256;
// CNAME chains longer than this are not followed (resolvers give up far earlier).
inline constexpr std::size_t kMaxCnameChain = 16;

struct DnsRecord {
    std::string name;                  // owner name, lower-cased, no trailing dot
    std::uint16_t type = 0;            // 1 A, 28 AAAA, 5 CNAME, others kept with no data
    std::uint32_t ttl = 0;             // values with the top bit set read as 0 (RFC 2181 8)
    std::optional<IpAddress> address;  // A / AAAA of class IN
    std::string target;                // CNAME target
};

struct DnsMessage {
    std::uint16_t id = 0;
    bool response = false;
    std::uint8_t rcode = 0;
    bool incomplete = false;  // the capture ended mid-message: what was complete is kept
    std::string question;     // first question name, lower-cased, no trailing dot
    std::uint16_t question_type = 0;
    std::vector<DnsRecord> answers;  // answer section only, at most kMaxDnsAnswers
};

// Names are printed like dig prints them: bytes outside printable ASCII as \DDD and a dot
// inside a label as "\.", so a hostile label can never pass for another name.
//
// nullopt when this is not DNS: shorter than a header, an impossible opcode, or a question
// that breaks the name rules. A capture cut inside the question or a later section yields
// the header fields, whatever was complete, and incomplete=true.
std::optional<DnsMessage> parse_dns_message(std::span<const std::uint8_t> data);

// DNS over TCP: the payload of one or more segments, each message prefixed by its 2-byte
// big-endian length. Every framed message that parses is returned, plus a cut-off last one
// (incomplete=true) when enough of it is there to parse.
std::vector<DnsMessage> parse_dns_tcp(std::span<const std::uint8_t> data);

}  // namespace egresswatch
