// What users read of names and requests: requests.log lines, argv redaction, the
// decoder's payload records and the name book's bounds.
#include <gtest/gtest.h>

#include <cstring>

#include "egresswatch/abi.h"
#include "pipeline/decoder.h"
#include "pipeline/name_book.h"
#include "redaction/text_redaction.h"
#include "report/request_log.h"

namespace egresswatch {
namespace {

TEST(RequestLog, OneGreppableLinePerRequest) {
    HttpRecord r;
    r.ts_ns = 1'795'000'000'000'000'000;
    r.process.pid = 42;
    r.process.comm = "apt http";
    r.method = "GET";
    r.host = "deb.test";
    r.path = "/pool/x.deb";
    r.status = 200;
    r.response_time_ms = 1.5;
    EXPECT_EQ(request_log_line(r), "2026-11-18T11:06:40.000000Z apt%20http[42] GET deb.test /pool/x.deb 200 1.500ms");
    r.status.reset();
    r.response_time_ms.reset();
    r.host.reset();
    r.address = IpAddress::v4(198, 18, 0, 3);
    r.tls = true;
    EXPECT_EQ(request_log_line(r), "2026-11-18T11:06:40.000000Z apt%20http[42] GET 198.18.0.3 /pool/x.deb - - tls");
}

TEST(ArgvRedaction, UrlsAndSecretHeadersInCommandLines) {
    std::vector<std::string> argv{"curl",
                                  "-H",
                                  "Authorization: Bearer abc",
                                  "https://u:pw@h.test/x?token=1&a=2",
                                  "--url=http://h.test/?k=v",
                                  "-H",
                                  "Accept: */*",
                                  "plain:arg"};
    redact_argv(argv);
    EXPECT_EQ(argv[2], "Authorization: Bearer REDACTED");
    EXPECT_EQ(argv[3], "https://REDACTED@h.test/x?token=REDACTED&a=REDACTED");
    EXPECT_EQ(argv[4], "--url=http://h.test/?k=REDACTED");
    EXPECT_EQ(argv[6], "Accept: */*");
    EXPECT_EQ(argv[7], "plain:arg");
}

TEST(NameBook, PerProcessBeforeAnyAndBounded) {
    NameBook::Limits limits;
    limits.names_per_process = 2;
    limits.names_any = 3;
    limits.processes = 2;
    NameBook book(limits);
    auto a = [](std::uint8_t d) { return IpAddress::v4(198, 18, 0, d); };
    book.learn(1, a(1), "one.test");
    book.learn(2, a(1), "other.test");
    EXPECT_EQ(book.lookup(1, a(1))->host, "one.test");
    EXPECT_EQ(book.lookup(1, a(1))->source, kHostSourceDnsSameProcess);
    EXPECT_EQ(book.lookup(3, a(1))->host, "other.test") << "latest answer for any process";
    EXPECT_EQ(book.lookup(3, a(1))->source, kHostSourceDnsAny);
    book.learn(1, a(2), "two.test");
    book.learn(1, a(3), "three.test");
    EXPECT_EQ(book.lookup(1, a(1))->source, kHostSourceDnsAny) << "evicted from pid 1's table (cap 2)";
    book.learn(1, a(4), "four.test");
    EXPECT_FALSE(book.lookup(9, a(1))) << "evicted from the shared table (cap 3)";
    book.learn(5, a(9), "nine.test");
    book.learn(6, a(9), "nine.test");
    EXPECT_EQ(book.lookup(1, a(4))->source, kHostSourceDnsAny) << "pid 1 was the oldest process: dropped";
    EXPECT_EQ(book.lookup(5, *IpAddress::parse("::ffff:198.18.0.9"))->host, "nine.test")
        << "v4-mapped lookups find IPv4 answers";
}

// One address answered for ever new names: its queue is compacted again and again, and still
// the latest name wins and eviction goes by when each address was last learned.
TEST(NameBook, AnAddressLearnedOverAndOverKeepsItsPlace) {
    NameBook::Limits limits;
    limits.names_any = 3;
    NameBook book(limits);
    auto a = [](std::uint8_t d) { return IpAddress::v4(198, 18, 0, d); };
    book.learn(1, a(2), "two.test");
    for (int i = 0; i < 1000; ++i) book.learn(1, a(1), "host" + std::to_string(i) + ".test");
    book.learn(1, a(3), "three.test");
    EXPECT_EQ(book.lookup(9, a(1))->host, "host999.test");
    book.learn(1, a(4), "four.test");
    EXPECT_FALSE(book.lookup(9, a(2))) << "learned first, and never again: evicted first";
    EXPECT_EQ(book.lookup(9, a(1))->host, "host999.test");
    book.learn(1, a(5), "five.test");
    EXPECT_FALSE(book.lookup(9, a(1))) << "then the address learned before three.test";
    EXPECT_EQ(book.lookup(9, a(3))->host, "three.test");
}

TEST(Decoder, PayloadRecords) {
    ew_payload_event raw{};
    raw.hdr.type = EW_EVENT_PAYLOAD;
    raw.hdr.tgid = 7;
    raw.cookie = 99;
    raw.addr[0] = 198, raw.addr[1] = 18, raw.addr[2] = 0, raw.addr[3] = 3;
    raw.family = EW_AF_INET;
    raw.port = 80;
    raw.protocol = EW_IPPROTO_TCP;
    raw.direction = EW_DIR_INGRESS;
    raw.flow_kind = EW_FLOW_HTTP;
    raw.tcp_seq = 12345;
    raw.length = 5000;
    raw.captured = 4;
    std::memcpy(raw.data, "HTTP", 4);
    auto event = decode_event(&raw, sizeof(raw));
    ASSERT_TRUE(event);
    const auto& p = std::get<PayloadEvent>(*event);
    EXPECT_EQ(p.task.pid, 7u);
    EXPECT_EQ(p.cookie, 99u);
    EXPECT_EQ(p.remote, IpAddress::v4(198, 18, 0, 3));
    EXPECT_EQ(p.direction, Direction::ingress);
    EXPECT_EQ(p.flow_kind, FlowKind::http);
    EXPECT_EQ(p.length, 5000u);
    EXPECT_EQ(p.data, (std::vector<std::uint8_t>{'H', 'T', 'T', 'P'}));

    raw.captured = 60000;  // never trust the kernel's length beyond the buffer
    EXPECT_EQ(std::get<PayloadEvent>(*decode_event(&raw, sizeof(raw))).data.size(), std::size_t{EW_PAYLOAD_MAX});
    raw.flow_kind = 200;
    EXPECT_FALSE(decode_event(&raw, sizeof(raw)));
    EXPECT_FALSE(decode_event(&raw, sizeof(raw) - 1));
}

}  // namespace
}  // namespace egresswatch
