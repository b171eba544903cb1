#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "packet_fixtures.h"
#include "protocols/dns/names.h"
#include "protocols/dns/parser.h"
#include "protocols/dns/resolutions.h"

using namespace egresswatch;

namespace {

// Writes DNS wire format by hand, so each test shows exactly which bytes it feeds the parser,
// compression pointers included.
class DnsBuilder {
public:
    std::size_t here() const { return bytes_.size(); }
    const std::vector<std::uint8_t>& bytes() const { return bytes_; }

    DnsBuilder& u8(std::uint8_t v) {
        bytes_.push_back(v);
        return *this;
    }
    DnsBuilder& u16(std::uint16_t v) { return u8(static_cast<std::uint8_t>(v >> 8)).u8(static_cast<std::uint8_t>(v)); }
    DnsBuilder& u32(std::uint32_t v) {
        return u16(static_cast<std::uint16_t>(v >> 16)).u16(static_cast<std::uint16_t>(v));
    }
    DnsBuilder& raw(std::initializer_list<std::uint8_t> v) {
        bytes_.insert(bytes_.end(), v.begin(), v.end());
        return *this;
    }

    DnsBuilder& header(std::uint16_t id, std::uint16_t flags, std::uint16_t qd, std::uint16_t an, std::uint16_t ns = 0,
                       std::uint16_t ar = 0) {
        return u16(id).u16(flags).u16(qd).u16(an).u16(ns).u16(ar);
    }
    // Labels, then either a pointer to `suffix_at` or the root label.
    DnsBuilder& name(std::initializer_list<std::string_view> labels, int suffix_at = -1) {
        for (auto label : labels) {
            u8(static_cast<std::uint8_t>(label.size()));
            bytes_.insert(bytes_.end(), label.begin(), label.end());
        }
        if (suffix_at >= 0) return pointer(static_cast<std::uint16_t>(suffix_at));
        return u8(0);
    }
    DnsBuilder& pointer(std::uint16_t offset) { return u16(static_cast<std::uint16_t>(0xC000 | offset)); }
    DnsBuilder& question(std::uint16_t type) { return u16(type).u16(1); }
    // type, class IN, ttl, then rdlength; the caller writes rdata and calls end_rdata().
    DnsBuilder& record(std::uint16_t type, std::uint32_t ttl) {
        u16(type).u16(1).u32(ttl);
        rdlength_at_ = here();
        return u16(0);
    }
    DnsBuilder& end_rdata() {
        const auto length = here() - rdlength_at_ - 2;
        bytes_[rdlength_at_] = static_cast<std::uint8_t>(length >> 8);
        bytes_[rdlength_at_ + 1] = static_cast<std::uint8_t>(length);
        return *this;
    }

private:
    std::vector<std::uint8_t> bytes_;
    std::size_t rdlength_at_ = 0;
};

constexpr std::uint16_t kResponseFlags = 0x8180;  // QR, RD, RA, NOERROR

// www.example.test CNAME cdn.example.test CNAME edge.example.test A 192.0.2.10, A 192.0.2.11,
// compressed the way resolvers do it.
std::vector<std::uint8_t> cname_chain_response() {
    DnsBuilder b;
    b.header(0x1234, kResponseFlags, 1, 4);
    const int www = static_cast<int>(b.here());
    b.name({"www", "example", "test"}).question(1);
    const int example = www + 4;
    b.pointer(static_cast<std::uint16_t>(www)).record(5, 300);
    const int cdn = static_cast<int>(b.here());
    b.name({"cdn"}, example).end_rdata();
    b.pointer(static_cast<std::uint16_t>(cdn)).record(5, 60);
    const int edge = static_cast<int>(b.here());
    b.name({"edge"}, example).end_rdata();
    b.pointer(static_cast<std::uint16_t>(edge)).record(1, 120).raw({192, 0, 2, 10}).end_rdata();
    b.pointer(static_cast<std::uint16_t>(edge)).record(1, 120).raw({192, 0, 2, 11}).end_rdata();
    return b.bytes();
}

std::vector<std::uint8_t> with_tcp_length(const std::vector<std::uint8_t>& message) {
    std::vector<std::uint8_t> out{static_cast<std::uint8_t>(message.size() >> 8),
                                  static_cast<std::uint8_t>(message.size())};
    out.insert(out.end(), message.begin(), message.end());
    return out;
}

std::span<const std::uint8_t> prefix(const std::vector<std::uint8_t>& bytes, std::size_t length) {
    return std::span<const std::uint8_t>(bytes).first(length);
}

}  // namespace

TEST(DnsParser, CnameChainWithCompression) {
    const auto packet = cname_chain_response();
    auto message = parse_dns_message(packet);
    ASSERT_TRUE(message);
    EXPECT_EQ(message->id, 0x1234);
    EXPECT_TRUE(message->response);
    EXPECT_EQ(message->rcode, 0);
    EXPECT_FALSE(message->incomplete);
    EXPECT_EQ(message->question, "www.example.test");
    EXPECT_EQ(message->question_type, 1);
    ASSERT_EQ(message->answers.size(), 4u);
    EXPECT_EQ(message->answers[0].name, "www.example.test");
    EXPECT_EQ(message->answers[0].type, 5);
    EXPECT_EQ(message->answers[0].ttl, 300u);
    EXPECT_EQ(message->answers[0].target, "cdn.example.test");
    EXPECT_FALSE(message->answers[0].address);
    EXPECT_EQ(message->answers[1].name, "cdn.example.test");
    EXPECT_EQ(message->answers[1].target, "edge.example.test");
    EXPECT_EQ(message->answers[2].name, "edge.example.test");
    EXPECT_EQ(message->answers[2].type, 1);
    EXPECT_EQ(message->answers[2].ttl, 120u);
    EXPECT_EQ(message->answers[2].address, IpAddress::v4(192, 0, 2, 10));
    EXPECT_EQ(message->answers[2].target, "");
    EXPECT_EQ(message->answers[3].address, IpAddress::v4(192, 0, 2, 11));
}

TEST(DnsParser, ResolutionsFollowTheCnameChain) {
    auto message = parse_dns_message(cname_chain_response());
    ASSERT_TRUE(message);
    auto resolutions = dns_resolutions(*message);
    ASSERT_EQ(resolutions.size(), 2u);
    const std::vector<std::string> chain{"cdn.example.test", "edge.example.test"};
    EXPECT_EQ(resolutions[0].address, IpAddress::v4(192, 0, 2, 10));
    EXPECT_EQ(resolutions[0].name, "www.example.test");
    EXPECT_EQ(resolutions[0].cname_chain, chain);
    EXPECT_EQ(resolutions[0].ttl, 60u);  // the shortest-lived link of the chain
    EXPECT_EQ(resolutions[1].address, IpAddress::v4(192, 0, 2, 11));
    EXPECT_EQ(resolutions[1].name, "www.example.test");
    EXPECT_EQ(resolutions[1].cname_chain, chain);
}

TEST(DnsParser, AaaaAnswerAndDirectResolution) {
    DnsBuilder b;
    b.header(7, kResponseFlags, 1, 1);
    b.name({"v6", "example", "test"}).question(28);
    b.pointer(12).record(28, 3600).raw({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01}).end_rdata();
    auto message = parse_dns_message(b.bytes());
    ASSERT_TRUE(message);
    EXPECT_EQ(message->question_type, 28);
    ASSERT_EQ(message->answers.size(), 1u);
    ASSERT_TRUE(message->answers[0].address);
    EXPECT_EQ(message->answers[0].address->family, Family::ipv6);
    EXPECT_EQ(message->answers[0].address->to_string(), "2001:db8::1");
    auto resolutions = dns_resolutions(*message);
    ASSERT_EQ(resolutions.size(), 1u);
    EXPECT_EQ(resolutions[0].name, "v6.example.test");
    EXPECT_TRUE(resolutions[0].cname_chain.empty());
    EXPECT_EQ(resolutions[0].ttl, 3600u);
}

TEST(DnsParser, NxdomainWithSoaInAuthority) {
    DnsBuilder b;
    b.header(0xbeef, 0x8183, 1, 0, 1, 0);
    b.name({"nope", "example", "test"}).question(1);
    b.pointer(17).record(6, 900);  // SOA for example.test, rdata left opaque
    b.pointer(17).name({"hostmaster"}, 17).u32(1).u32(2).u32(3).u32(4).u32(5).end_rdata();
    auto message = parse_dns_message(b.bytes());
    ASSERT_TRUE(message);
    EXPECT_EQ(message->rcode, 3);
    EXPECT_EQ(dns_rcode_name(message->rcode), "NXDOMAIN");
    EXPECT_EQ(message->question, "nope.example.test");
    EXPECT_FALSE(message->incomplete);
    EXPECT_TRUE(message->answers.empty());
    EXPECT_TRUE(dns_resolutions(*message).empty());
}

TEST(DnsParser, RealDigQueryIsLowerCasedAndComplete) {
    auto packet = test::read_packet_fixture("dns_query_dig_aaaa.hex");
    auto message = parse_dns_message(packet);
    ASSERT_TRUE(message);
    EXPECT_EQ(message->id, 0xb023);
    EXPECT_FALSE(message->response);
    EXPECT_EQ(message->question, "www.example.test");
    EXPECT_EQ(message->question_type, 28);
    EXPECT_TRUE(message->answers.empty());
    EXPECT_FALSE(message->incomplete);  // the EDNS OPT record in the additional section was whole
}

TEST(DnsParser, PointerLoopInQuestionIsNotDns) {
    DnsBuilder self;
    self.header(1, 0x0100, 1, 0).pointer(12).question(1);  // points at itself
    EXPECT_FALSE(parse_dns_message(self.bytes()));

    DnsBuilder forward;  // a pointer forward is never produced by a real encoder
    forward.header(1, 0x0100, 1, 0).pointer(14).name({"x"}).question(1);
    EXPECT_FALSE(parse_dns_message(forward.bytes()));
}

TEST(DnsParser, PointerLoopInAnswerKeepsEarlierAnswers) {
    DnsBuilder b;
    b.header(9, kResponseFlags, 1, 3);
    b.name({"a", "test"}).question(1);
    b.pointer(12).record(1, 5).raw({198, 18, 0, 1}).end_rdata();
    const auto looping = static_cast<std::uint16_t>(b.here());
    b.raw({1, 'b'}).pointer(looping).record(1, 5).raw({198, 18, 0, 2}).end_rdata();  // b.b.b.b...
    b.pointer(12).record(1, 5).raw({198, 18, 0, 3}).end_rdata();
    auto message = parse_dns_message(b.bytes());
    ASSERT_TRUE(message);
    ASSERT_EQ(message->answers.size(), 1u);
    EXPECT_EQ(message->answers[0].address, IpAddress::v4(198, 18, 0, 1));
    EXPECT_FALSE(message->incomplete);
}

TEST(DnsParser, MutualPointersInAnswerStopTheParse) {
    DnsBuilder b;
    b.header(9, kResponseFlags, 1, 2);
    b.name({"a", "test"}).question(1);
    // Opaque rdata holding two pointers that point at each other.
    b.pointer(12).record(10, 5);
    const auto first = static_cast<std::uint16_t>(b.here());
    b.pointer(static_cast<std::uint16_t>(first + 2)).pointer(first).end_rdata();
    b.pointer(static_cast<std::uint16_t>(first + 2)).record(1, 5).raw({198, 18, 0, 2}).end_rdata();
    auto message = parse_dns_message(b.bytes());
    ASSERT_TRUE(message);
    ASSERT_EQ(message->answers.size(), 1u);
    EXPECT_EQ(message->answers[0].type, 10);
}

namespace {
// An answer whose name is `jumps` pointer hops away from "end.test": the hops live in the
// opaque rdata of a first record, each jumping back to the previous one.
std::vector<std::uint8_t> pointer_chain(int jumps) {
    DnsBuilder b;
    b.header(1, kResponseFlags, 1, 2);
    b.name({"end", "test"}).question(1);
    b.pointer(12).record(10, 1);
    std::uint16_t previous = 12;
    for (int i = 1; i < jumps; ++i) {
        const auto at = static_cast<std::uint16_t>(b.here());
        b.pointer(previous);
        previous = at;
    }
    b.end_rdata();
    b.pointer(previous).record(1, 1).raw({10, 9, 8, 7}).end_rdata();
    return b.bytes();
}
}  // namespace

TEST(DnsParser, PointerHopsAreBounded) {
    auto within = parse_dns_message(pointer_chain(64));
    ASSERT_TRUE(within);
    ASSERT_EQ(within->answers.size(), 2u);
    EXPECT_EQ(within->answers[1].name, "end.test");

    auto beyond = parse_dns_message(pointer_chain(65));
    ASSERT_TRUE(beyond);
    EXPECT_EQ(beyond->answers.size(), 1u);
}

TEST(DnsParser, NameLongerThan255BytesIsRejected) {
    DnsBuilder b;
    b.header(1, 0x0100, 1, 0);
    const std::string label(63, 'x');
    b.name({label, label, label, label});  // 4 * 64 + 1 = 257 bytes on the wire
    b.question(1);
    EXPECT_FALSE(parse_dns_message(b.bytes()));

    DnsBuilder fits;
    fits.header(1, 0x0100, 1, 0);
    fits.name({label, label, label, std::string(61, 'y')});  // 255 bytes
    fits.question(1);
    auto message = parse_dns_message(fits.bytes());
    ASSERT_TRUE(message);
    EXPECT_EQ(message->question.size(), 253u);
}

TEST(DnsParser, OddLabelBytesAreEscaped) {
    DnsBuilder b;
    b.header(1, 0x0100, 1, 0);
    b.name({std::string_view("A.b\0", 4), "Test"}).question(1);
    auto message = parse_dns_message(b.bytes());
    ASSERT_TRUE(message);
    EXPECT_EQ(message->question, "a\\.b\\000.test");
}

TEST(DnsParser, WrongAddressLengthKeepsRecordWithoutAddress) {
    DnsBuilder b;
    b.header(1, kResponseFlags, 1, 2);
    b.name({"x", "test"}).question(1);
    b.pointer(12).record(1, 10).raw({1, 2, 3}).end_rdata();
    b.pointer(12).record(1, 10).raw({10, 0, 0, 1}).end_rdata();
    auto message = parse_dns_message(b.bytes());
    ASSERT_TRUE(message);
    ASSERT_EQ(message->answers.size(), 2u);
    EXPECT_FALSE(message->answers[0].address);
    EXPECT_EQ(message->answers[1].address, IpAddress::v4(10, 0, 0, 1));
    EXPECT_EQ(dns_resolutions(*message).size(), 1u);
}

TEST(DnsParser, NotDns) {
    EXPECT_FALSE(parse_dns_message({}));
    const std::vector<std::uint8_t> short_header{0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0};
    EXPECT_FALSE(parse_dns_message(short_header));
    DnsBuilder bad_opcode;
    bad_opcode.header(1, 0x7800, 1, 0).name({"x"}).question(1);  // opcode 15
    EXPECT_FALSE(parse_dns_message(bad_opcode.bytes()));
    DnsBuilder bad_label;
    bad_label.header(1, 0x0100, 1, 0).raw({0x40, 'x', 0}).question(1);  // extended label type
    EXPECT_FALSE(parse_dns_message(bad_label.bytes()));
}

TEST(DnsParser, EveryTruncationKeepsWhatWasComplete) {
    const auto packet = cname_chain_response();
    const auto full = *parse_dns_message(packet);
    // Where each record ends, so the expected answer count of every prefix is known exactly.
    std::vector<std::size_t> record_ends;
    {
        std::size_t at = 12 + 18 + 4;  // header, www.example.test, type and class
        for (std::size_t rdlength : {6u, 7u, 4u, 4u}) {
            at += 2 + 10 + rdlength;  // pointer name, fixed fields, rdata
            record_ends.push_back(at);
        }
        ASSERT_EQ(at, packet.size());
    }
    for (std::size_t length = 0; length <= packet.size(); ++length) {
        SCOPED_TRACE(length);
        auto message = parse_dns_message(prefix(packet, length));
        if (length < 12) {
            EXPECT_FALSE(message);
            continue;
        }
        ASSERT_TRUE(message);
        EXPECT_EQ(message->id, 0x1234);
        EXPECT_EQ(message->incomplete, length < packet.size());
        EXPECT_EQ(message->question, length >= 12 + 18 ? "www.example.test" : "");
        std::size_t complete_records = 0;
        while (complete_records < record_ends.size() && record_ends[complete_records] <= length) ++complete_records;
        ASSERT_EQ(message->answers.size(), complete_records);
        for (std::size_t i = 0; i < complete_records; ++i) {
            EXPECT_EQ(message->answers[i].name, full.answers[i].name);
            EXPECT_EQ(message->answers[i].target, full.answers[i].target);
            EXPECT_EQ(message->answers[i].address, full.answers[i].address);
        }
        EXPECT_EQ(dns_resolutions(*message).size(), complete_records >= 3 ? complete_records - 2 : 0u);
    }
}

TEST(DnsParser, TcpStreamWithTwoMessagesAndACutOffThird) {
    DnsBuilder query;
    query.header(0x1234, 0x0100, 1, 0).name({"www", "example", "test"}).question(1);
    auto stream = with_tcp_length(query.bytes());
    const auto response = with_tcp_length(cname_chain_response());
    stream.insert(stream.end(), response.begin(), response.end());
    const std::size_t two_messages = stream.size();
    stream.insert(stream.end(), response.begin(), response.begin() + 40);

    auto messages = parse_dns_tcp(stream);
    ASSERT_EQ(messages.size(), 3u);
    EXPECT_FALSE(messages[0].response);
    EXPECT_FALSE(messages[0].incomplete);
    EXPECT_EQ(messages[0].question, "www.example.test");
    EXPECT_TRUE(messages[1].response);
    EXPECT_FALSE(messages[1].incomplete);
    EXPECT_EQ(messages[1].answers.size(), 4u);
    EXPECT_TRUE(messages[2].incomplete);
    EXPECT_EQ(messages[2].question, "www.example.test");
    EXPECT_TRUE(messages[2].answers.empty());

    EXPECT_EQ(parse_dns_tcp(prefix(stream, two_messages)).size(), 2u);
    for (std::size_t length = 0; length <= stream.size(); ++length) {
        SCOPED_TRACE(length);
        auto partial = parse_dns_tcp(prefix(stream, length));
        // A message is returned once its header is there; only the last can be cut off.
        const std::size_t expected =
            (length >= 2 + 12) + (length >= 2 + query.bytes().size() + 2 + 12) + (length >= two_messages + 2 + 12);
        ASSERT_EQ(partial.size(), expected);
        for (std::size_t i = 0; i + 1 < partial.size(); ++i) EXPECT_FALSE(partial[i].incomplete);
    }
}

TEST(DnsParser, ResolutionsOfUnreachableOwnersAndCnameLoops) {
    DnsBuilder b;
    b.header(1, kResponseFlags, 1, 4);
    b.name({"a", "test"}).question(1);
    b.pointer(12).record(5, 10).name({"b", "test"}).end_rdata();
    const auto b_name = static_cast<std::uint16_t>(b.here() - 8);
    b.pointer(b_name).record(5, 10).pointer(12).end_rdata();  // b -> a: a loop
    b.pointer(b_name).record(1, 10).raw({10, 0, 0, 2}).end_rdata();
    b.name({"other", "test"}).record(1, 20).raw({10, 0, 0, 3}).end_rdata();
    auto message = parse_dns_message(b.bytes());
    ASSERT_TRUE(message);
    ASSERT_EQ(message->answers.size(), 4u);
    EXPECT_EQ(message->answers[1].name, "b.test");
    EXPECT_EQ(message->answers[1].target, "a.test");
    auto resolutions = dns_resolutions(*message);
    ASSERT_EQ(resolutions.size(), 2u);
    EXPECT_EQ(resolutions[0].name, "a.test");
    EXPECT_EQ(resolutions[0].cname_chain, std::vector<std::string>{"b.test"});
    EXPECT_EQ(resolutions[1].name, "other.test");
    EXPECT_TRUE(resolutions[1].cname_chain.empty());
    EXPECT_EQ(resolutions[1].ttl, 20u);
}

TEST(DnsParser, TypeAndRcodeNames) {
    EXPECT_EQ(dns_type_name(1), "A");
    EXPECT_EQ(dns_type_name(28), "AAAA");
    EXPECT_EQ(dns_type_name(5), "CNAME");
    EXPECT_EQ(dns_type_name(65), "HTTPS");
    EXPECT_EQ(dns_type_name(999), "TYPE999");
    EXPECT_EQ(dns_rcode_name(0), "NOERROR");
    EXPECT_EQ(dns_rcode_name(2), "SERVFAIL");
    EXPECT_EQ(dns_rcode_name(5), "REFUSED");
    EXPECT_EQ(dns_rcode_name(15), "RCODE15");
}
