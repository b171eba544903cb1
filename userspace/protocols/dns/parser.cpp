#include "protocols/dns/parser.h"

#include <algorithm>
#include <utility>

#include "protocols/byte_reader.h"
#include "protocols/dns/name.h"

namespace egresswatch {
namespace {

constexpr std::uint16_t kClassIn = 1;
// mDNS reuses the top bit of the class as "cache flush"; the class is the rest.
constexpr std::uint16_t kClassMask = 0x7FFF;

struct Header {
    std::uint16_t id, flags, questions, answers, authorities, additionals;
};

std::optional<Header> read_header(ByteReader& reader) {
    auto id = reader.u16();
    auto flags = reader.u16();
    auto qd = reader.u16();
    auto an = reader.u16();
    auto ns = reader.u16();
    auto ar = reader.u16();
    if (!ar) return std::nullopt;
    return Header{*id, *flags, *qd, *an, *ns, *ar};
}

// Opcodes 0-2 and 4-6 are assigned (QUERY, IQUERY, STATUS, NOTIFY, UPDATE, DSO); anything else
// in a packet on a DNS port is not DNS.
bool opcode_is_assigned(std::uint16_t flags) {
    const unsigned opcode = (flags >> 11) & 0xF;
    return opcode <= 6 && opcode != 3;
}

std::optional<IpAddress> address_from(std::span<const std::uint8_t> rdata, Family family) {
    const std::size_t width = family == Family::ipv4 ? 4 : 16;
    if (rdata.size() != width) return std::nullopt;
    IpAddress address;
    address.family = family;
    std::copy(rdata.begin(), rdata.end(), address.bytes.begin());
    return address;
}

// A CNAME's rdata is exactly one name, which may point back into the rest of the message.
std::string cname_target(const ByteReader& message_reader, std::size_t rdata_offset, std::size_t rdata_length) {
    ByteReader reader(message_reader.data(), rdata_offset);
    std::string target;
    if (read_dns_name(reader, target) != ParseStatus::complete) return {};
    if (reader.offset() != rdata_offset + rdata_length) return {};
    return target;
}

ParseStatus read_record(ByteReader& reader, DnsRecord& record) {
    if (auto status = read_dns_name(reader, record.name); status != ParseStatus::complete) return status;
    auto type = reader.u16();
    auto klass = reader.u16();
    auto ttl = reader.u32();
    auto rdlength = reader.u16();
    if (!rdlength) return ParseStatus::need_more;
    const std::size_t rdata_offset = reader.offset();
    auto rdata = reader.bytes(*rdlength);
    if (!rdata) return ParseStatus::need_more;

    record.type = *type;
    record.ttl = (*ttl & 0x80000000u) ? 0 : *ttl;
    if ((*klass & kClassMask) != kClassIn) return ParseStatus::complete;
    if (*type == kDnsTypeA)
        record.address = address_from(*rdata, Family::ipv4);
    else if (*type == kDnsTypeAaaa)
        record.address = address_from(*rdata, Family::ipv6);
    else if (*type == kDnsTypeCname)
        record.target = cname_target(reader, rdata_offset, *rdlength);
    return ParseStatus::complete;
}

}  // namespace

std::optional<DnsMessage> parse_dns_message(std::span<const std::uint8_t> data) {
    ByteReader reader(data);
    auto header = read_header(reader);
    if (!header || !opcode_is_assigned(header->flags)) return std::nullopt;

    DnsMessage message;
    message.id = header->id;
    message.response = (header->flags & 0x8000) != 0;
    message.rcode = static_cast<std::uint8_t>(header->flags & 0xF);

    for (unsigned i = 0; i < header->questions; ++i) {
        std::string name;
        const auto status = read_dns_name(reader, name);
        if (status == ParseStatus::malformed) return std::nullopt;
        if (status == ParseStatus::need_more) {
            message.incomplete = true;
            return message;
        }
        auto type = reader.u16();
        if (i == 0) {
            message.question = std::move(name);
            message.question_type = type.value_or(0);
        }
        if (!type || !reader.u16()) {
            message.incomplete = true;
            return message;
        }
    }

    // Authority and additional records are walked, not kept: only then do we know whether the
    // capture held the whole message.
    const unsigned records = unsigned{header->answers} + header->authorities + header->additionals;
    for (unsigned i = 0; i < records; ++i) {
        DnsRecord record;
        const auto status = read_record(reader, record);
        if (status == ParseStatus::need_more) {
            message.incomplete = true;
            break;
        }
        // Past a broken record nothing can be located; the answers before it stand.
        if (status == ParseStatus::malformed) break;
        if (i < header->answers && message.answers.size() < kMaxDnsAnswers)
            message.answers.push_back(std::move(record));
    }
    return message;
}

std::vector<DnsMessage> parse_dns_tcp(std::span<const std::uint8_t> data) {
    std::vector<DnsMessage> messages;
    ByteReader reader(data);
    while (auto length = reader.u16()) {
        const std::size_t present = std::min<std::size_t>(*length, reader.remaining());
        auto message = parse_dns_message(*reader.bytes(present));
        const bool cut_off = present < *length;
        if (message) {
            message->incomplete = message->incomplete || cut_off;
            messages.push_back(std::move(*message));
        }
        if (cut_off) break;
    }
    return messages;
}

}  // namespace egresswatch
