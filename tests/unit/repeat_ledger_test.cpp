// The kernel's repeat counters become few `repeat` records whose counts still sum exactly:
// back-off per key, one record per process, eviction and per-socket counters.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "pipeline/repeat_ledger.h"
#include "report/jsonl.h"

using namespace egresswatch;

namespace {

constexpr std::int64_t kS = 1'000'000'000;

// Takes repeat records from the ledger (as the flow inspector does) and from replay_jsonl.
struct Collect : KernelRecordSink, RecordSink {
    std::vector<RepeatRecord> records;
    void on_repeat(const RepeatRecord& r) override { records.push_back(r); }
    // Sum per (pid, address, port) and lines per key.
    std::map<std::tuple<std::uint32_t, std::string, std::uint16_t>, std::uint64_t> sums, lines;
    void tally() {
        sums.clear();
        lines.clear();
        for (const RepeatRecord& r : records)
            for (const RepeatCount& c : r.destinations) {
                sums[{r.pid, c.address.to_string(), c.port}] += c.count;
                ++lines[{r.pid, c.address.to_string(), c.port}];
            }
    }
};

FlowCount connect_count(std::uint32_t pid, const char* address, std::uint16_t port, std::uint64_t repeats) {
    FlowCount f;
    f.kind = SockEventKind::connect;
    f.pid = pid;
    f.address = *IpAddress::parse(address);
    f.port = port;
    f.protocol = 6;
    f.repeats = repeats;
    return f;
}

RepeatLedger ledger() {
    return RepeatLedger([](std::uint32_t pid) {
        return RepeatLedger::Process{"/usr/bin/p" + std::to_string(pid), "p" + std::to_string(pid)};
    });
}

}  // namespace

TEST(RepeatLedger, OneRecordPerProcessWithEveryDestinationThatGrew) {
    RepeatLedger l = ledger();
    Collect out;
    l.read({connect_count(7, "198.18.0.2", 80, 3), connect_count(7, "198.18.0.3", 80, 1),
            connect_count(8, "198.18.0.2", 80, 2), connect_count(7, "198.18.0.4", 80, 0)},
           10 * kS, false, out);
    ASSERT_EQ(out.records.size(), 2u);
    const RepeatRecord& r = out.records[0];
    EXPECT_EQ(r.pid, 7u);
    EXPECT_EQ(r.kind, SockEventKind::connect);
    EXPECT_EQ(r.exe, "/usr/bin/p7");
    EXPECT_EQ(r.comm, "p7");
    EXPECT_EQ(r.ts_ns, 10 * kS);
    ASSERT_EQ(r.destinations.size(), 2u) << "a destination that did not grow is not listed";
    EXPECT_EQ(r.destinations[0], (RepeatCount{*IpAddress::parse("198.18.0.2"), 80, 6, 3}));
    EXPECT_EQ(r.destinations[1], (RepeatCount{*IpAddress::parse("198.18.0.3"), 80, 6, 1}));
    EXPECT_EQ(out.records[1].pid, 8u);
}

// A steady storm read every 5 s for 5 minutes: lines at 5, 10, 20, 40, 80 s, then every
// 60 s, and the rest at the end; every repeat counted once.
TEST(RepeatLedger, BacksOffPerKeyAndStaysExact) {
    RepeatLedger l = ledger();
    Collect out;
    std::uint64_t total = 0;
    for (int t = 5; t <= 300; t += 5) {
        total = static_cast<std::uint64_t>(t) * 1000;
        l.read({connect_count(7, "198.18.0.2", 443, total)}, t * kS, t == 300, out);
    }
    std::vector<std::int64_t> when;
    for (const RepeatRecord& r : out.records) when.push_back(r.ts_ns / kS);
    EXPECT_EQ(when, (std::vector<std::int64_t>{5, 10, 20, 40, 80, 140, 200, 260, 300}));
    out.tally();
    EXPECT_EQ(out.sums.begin()->second, total);
}

TEST(RepeatLedger, AQuietKeyIsForgottenAndStartsOverWhenItGrowsAgain) {
    RepeatLedger l = ledger();
    Collect out;
    l.read({connect_count(7, "198.18.0.2", 443, 5)}, 5 * kS, false, out);
    l.read({connect_count(7, "198.18.0.2", 443, 5)}, 10 * kS, false, out);
    EXPECT_EQ(l.keys(), 0u) << "nothing grew for a whole interval";
    EXPECT_EQ(l.flows(), 1u) << "the kernel entry is still there";
    l.read({connect_count(7, "198.18.0.2", 443, 9)}, 15 * kS, false, out);
    ASSERT_EQ(out.records.size(), 2u) << "written at once, as a new key";
    EXPECT_EQ(out.records[1].destinations[0].count, 4u);
}

TEST(RepeatLedger, AnEvictedEntryCountsFromZeroAgain) {
    RepeatLedger l = ledger();
    Collect out;
    l.read({connect_count(7, "198.18.0.2", 443, 50)}, 5 * kS, false, out);
    // Evicted and made again between two reads: lower than before, all of it new.
    l.read({connect_count(7, "198.18.0.2", 443, 20)}, 10 * kS, false, out);
    // Evicted for a read, then back: counted from 0, although it is higher than ever.
    l.read({}, 15 * kS, false, out);
    EXPECT_EQ(l.flows(), 0u);
    l.read({connect_count(7, "198.18.0.2", 443, 70)}, 20 * kS, true, out);
    out.tally();
    EXPECT_EQ(out.sums.begin()->second, 50u + 20u + 70u);
}

TEST(RepeatLedger, SocketsAndAddressFamiliesAreOneKey) {
    RepeatLedger l = ledger();
    Collect out;
    FlowCount a = connect_count(7, "198.18.0.2", 53, 4);
    a.kind = SockEventKind::send;
    a.protocol = 17;
    a.cookie = 100;
    FlowCount b = a;
    b.cookie = 101;
    b.repeats = 6;
    FlowCount mapped = connect_count(7, "::ffff:198.18.0.2", 53, 2);
    mapped.protocol = 17;
    FlowCount plain = connect_count(7, "198.18.0.2", 53, 3);
    plain.protocol = 17;
    l.read({a, b, mapped, plain}, 5 * kS, false, out);
    // Next read: each kernel entry grew by one; none may take another's count for its own.
    for (FlowCount* f : {&a, &b, &mapped, &plain}) ++f->repeats;
    l.read({a, b, mapped, plain}, 10 * kS, true, out);
    ASSERT_EQ(out.records.size(), 4u) << "send and connect, at two reads";
    for (const RepeatRecord& r : out.records) {
        ASSERT_EQ(r.destinations.size(), 1u);
        EXPECT_EQ(r.destinations[0].address, *IpAddress::parse("198.18.0.2"));
    }
    EXPECT_EQ(out.records[0].destinations[0].count, 5u) << "connects: 2 + 3";
    EXPECT_EQ(out.records[1].destinations[0].count, 10u) << "datagrams: 4 + 6 over two sockets";
    EXPECT_EQ(out.records[2].destinations[0].count, 2u);
    EXPECT_EQ(out.records[3].destinations[0].count, 2u);
}

TEST(RepeatLedger, ARecordListsAtMostItsLimit) {
    RepeatLedger l = ledger();
    Collect out;
    std::vector<FlowCount> many;
    for (std::uint16_t port = 1; port <= kMaxRepeatDestinations + 10; ++port)
        many.push_back(connect_count(7, "198.18.0.2", port, 1));
    l.read(many, 5 * kS, true, out);
    ASSERT_EQ(out.records.size(), 2u);
    EXPECT_EQ(out.records[0].destinations.size(), kMaxRepeatDestinations);
    EXPECT_EQ(out.records[1].destinations.size(), 10u);
}

// The writer's line and the line before this format, both read back.
TEST(RepeatLedger, RecordsRoundTripAndOldLinesStillRead) {
    RepeatRecord r;
    r.ts_ns = 1'763'400'000'000'000'000;
    r.kind = SockEventKind::connect;
    r.pid = 7;
    r.exe = "/usr/bin/curl";
    r.comm = "curl";
    r.destinations = {{*IpAddress::parse("198.18.0.2"), 443, 6, 3}, {*IpAddress::parse("fd00::53"), 53, 17, 2}};
    std::string line = to_json(r).dump();
    EXPECT_EQ(
        line,
        "{\"type\":\"repeat\",\"ts\":\"2025-11-17T17:20:00.000000Z\",\"of\":\"connect\",\"pid\":7,\"comm\":\"curl\","
        "\"exe\":\"/usr/bin/curl\",\"destinations\":[{\"proto\":\"tcp\",\"daddr\":\"198.18.0.2\",\"dport\":443,"
        "\"count\":3},{\"proto\":\"udp\",\"daddr\":\"fd00::53\",\"dport\":53,\"count\":2}]}");
    std::string old =
        "{\"type\":\"repeat\",\"ts\":\"2025-11-17T17:20:00.000000Z\",\"of\":\"send\",\"proto\":\"udp\","
        "\"daddr\":\"fd00::53\",\"dport\":53,\"pid\":8,\"comm\":\"dig\",\"exe\":\"/usr/bin/dig\",\"count\":4}";
    std::istringstream in(line + "\n" + old + "\n");
    Collect back;
    ReplayResult result = replay_jsonl(in, back);
    ASSERT_EQ(result.first_bad_line, 0u) << result.error;
    ASSERT_EQ(back.records.size(), 2u);
    EXPECT_EQ(back.records[0].destinations, r.destinations);
    EXPECT_EQ(back.records[0].ts_ns, r.ts_ns);
    EXPECT_EQ(back.records[1].kind, SockEventKind::send);
    EXPECT_EQ(back.records[1].pid, 8u);
    EXPECT_EQ(back.records[1].destinations, (std::vector<RepeatCount>{{*IpAddress::parse("fd00::53"), 53, 17, 4}}));

    std::istringstream bad("{\"type\":\"repeat\",\"ts\":\"2025-11-17T17:20:00Z\",\"of\":\"connect\",\"pid\":7,"
                           "\"destinations\":[{\"proto\":"
                           "\"tcp\",\"daddr\":\"198.18.0.2\",\"dport\":443}]}\n");
    ReplayResult refused = replay_jsonl(bad, back);
    EXPECT_EQ(refused.first_bad_line, 1u);
    EXPECT_NE(refused.error.find("\"destinations\"[0]: missing \"count\""), std::string::npos) << refused.error;
}
