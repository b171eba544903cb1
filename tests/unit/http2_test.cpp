// The passive HTTP/2 decoder (protocols/http2/) on the bytes of a real client and server
// (http2_peers.h), fed as the kernel will: whole writes, split anywhere, one byte at a time,
// without the DATA payloads, from the middle of a connection, with bytes lost.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>

#include "http2_peers.h"
#include "protocols/http2/connection.h"

using namespace egresswatch::http2;
using namespace egresswatch::http2::peers;

namespace {

Headers get(std::string path, std::string authority = "api.example.test") {
    return {{":method", "GET"}, {":scheme", "https"}, {":authority", std::move(authority)}, {":path", std::move(path)}};
}

Headers post(std::string path, std::string content_type = "application/json") {
    return {{":method", "POST"},
            {":scheme", "https"},
            {":authority", "api.example.test"},
            {":path", std::move(path)},
            {"content-type", std::move(content_type)}};
}

Headers status(std::string code, Headers more = {}) {
    Headers out = {{":status", std::move(code)}};
    out.insert(out.end(), more.begin(), more.end());
    return out;
}

std::optional<std::string> field(const std::vector<Field>& fields, std::string_view name) {
    for (const auto& f : fields)
        if (f.name == name) return f.value;
    return std::nullopt;
}

const Exchange* find(const std::vector<Exchange>& exchanges, std::uint32_t id) {
    for (const auto& exchange : exchanges)
        if (exchange.stream_id == id) return &exchange;
    return nullptr;
}

std::string text(std::size_t size, unsigned seed) {
    static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
    std::mt19937 random(seed);
    std::string out(size, 'x');
    for (auto& c : out) c = kAlphabet[random() % 64];
    return out;
}

// The ways the kernel may hand the same bytes over.
struct Feeding {
    std::string name;
    std::function<std::vector<Piece>(const Peers&)> pieces;
};

std::vector<Feeding> feedings() {
    return {
        {"whole writes", [](const Peers& p) { return p.whole(); }},
        {"byte by byte", [](const Peers& p) { return split_every(p.whole(), 1); }},
        {"random splits 1", [](const Peers& p) { return split_randomly(p.whole(), 1); }},
        {"random splits 2", [](const Peers& p) { return split_randomly(p.whole(), 2); }},
        {"as the kernel copies", [](const Peers& p) { return p.kernel_copies(); }},
        {"as the kernel copies, split", [](const Peers& p) { return split_randomly(p.kernel_copies(), 3); }},
    };
}

std::vector<Exchange> decode(const std::vector<Piece>& pieces, bool start_seen = true, Counters* counters = nullptr) {
    Connection connection(start_seen);
    feed(connection, pieces);
    auto out = connection.take_all();
    if (counters) *counters = connection.counters();
    return out;
}

}  // namespace

TEST(Http2Frame, PrefaceAndHeader) {
    EXPECT_TRUE(starts_with_preface("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\4"));
    EXPECT_FALSE(starts_with_preface("PRI * HTTP/2.0\r\n"));
    EXPECT_FALSE(starts_with_preface("GET / HTTP/1.1\r\n\r\n"));
    const std::uint8_t bytes[9] = {0x00, 0x40, 0x01, 0x01, 0x25, 0x80, 0x00, 0x00, 0x03};
    const auto header = parse_frame_header(std::span<const std::uint8_t, 9>(bytes));
    EXPECT_EQ(header.length, 0x4001u);
    EXPECT_TRUE(header.is(FrameType::headers));
    EXPECT_TRUE(header.has(frame_flag::end_stream));
    EXPECT_TRUE(header.has(frame_flag::end_headers));
    EXPECT_TRUE(header.has(frame_flag::priority));
    EXPECT_EQ(header.stream_id, 3u);                                  // the reserved bit is ignored
    EXPECT_NE(frame_header_error(header, kDefaultMaxFrameSize), "");  // longer than 16 KiB
    EXPECT_EQ(frame_header_error(header, kLargestFrameSize), "");
    EXPECT_NE(frame_header_error({8, 4, 0, 0}, kDefaultMaxFrameSize), "");     // SETTINGS of 8 bytes
    EXPECT_NE(frame_header_error({4, 3, 0, 0}, kDefaultMaxFrameSize), "");     // RST_STREAM on stream 0
    EXPECT_NE(frame_header_error({8, 6, 0, 1}, kDefaultMaxFrameSize), "");     // PING on a stream
    EXPECT_EQ(frame_header_error({3, 0xfa, 0, 7}, kDefaultMaxFrameSize), "");  // unknown types are legal
}

TEST(Http2Decoder, ThreeRequestsInOrder) {
    Peers peers;
    const auto a = peers.request(get("/a"));
    const auto b = peers.request(post("/submit"), std::string(3000, 'p'));
    peers.flush();
    peers.respond(a, status("200", {{"content-type", "text/plain"}}), std::string(5000, 'r'));
    peers.flush();
    peers.respond(b, status("201"));
    peers.flush();
    const auto c = peers.request(get("/c?x=1"));
    peers.flush();
    peers.respond(c, status("404", {{"content-type", "text/plain"}}), "not here");
    peers.flush();

    for (const auto& feeding : feedings()) {
        SCOPED_TRACE(feeding.name);
        Connection connection(true);
        feed(connection, feeding.pieces(peers));
        EXPECT_TRUE(connection.preface_seen());
        const auto exchanges = connection.take_finished();
        ASSERT_EQ(exchanges.size(), 3u);
        EXPECT_EQ(exchanges[0].stream_id, static_cast<std::uint32_t>(a));
        EXPECT_EQ(exchanges[1].stream_id, static_cast<std::uint32_t>(b));
        EXPECT_EQ(exchanges[2].stream_id, static_cast<std::uint32_t>(c));
        for (const auto& e : exchanges) {
            EXPECT_TRUE(e.finished);
            EXPECT_FALSE(e.hpack_desync);
            EXPECT_EQ(e.scheme, "https");
            EXPECT_EQ(e.authority, "api.example.test");
            const auto request = peers.frame(Side::client, FrameType::headers, e.stream_id);
            EXPECT_EQ(e.request_ts_ns, peers.ts_at(Side::client, request.end()));
            const auto response = peers.frame(Side::server, FrameType::headers, e.stream_id);
            EXPECT_EQ(e.response_ts_ns, peers.ts_at(Side::server, response.end()));
            EXPECT_GT(e.response_ts_ns, e.request_ts_ns);
        }
        EXPECT_EQ(exchanges[0].method, "GET");
        EXPECT_EQ(exchanges[0].path, "/a");
        EXPECT_EQ(exchanges[0].status, 200);
        EXPECT_EQ(field(exchanges[0].response_headers, "content-type"), "text/plain");
        EXPECT_EQ(exchanges[0].request_bytes, 0u);
        EXPECT_EQ(exchanges[0].response_bytes, 5000u);
        EXPECT_EQ(exchanges[1].method, "POST");
        EXPECT_EQ(exchanges[1].path, "/submit");
        EXPECT_EQ(field(exchanges[1].request_headers, "content-type"), "application/json");
        EXPECT_EQ(exchanges[1].status, 201);
        EXPECT_EQ(exchanges[1].request_bytes, 3000u);
        EXPECT_EQ(exchanges[1].response_bytes, 0u);
        EXPECT_EQ(exchanges[2].path, "/c?x=1");
        EXPECT_EQ(exchanges[2].status, 404);
        EXPECT_EQ(exchanges[2].response_bytes, 8u);
        EXPECT_FALSE(exchanges[0].grpc);
        EXPECT_TRUE(connection.take_all().empty());
        const auto& counters = connection.counters();
        EXPECT_EQ(counters.desync_blocks, 0u);
        EXPECT_EQ(counters.losses, 0u);
        EXPECT_EQ(counters.malformed, 0u);
        EXPECT_EQ(counters.header_blocks, 6u);
    }
}

TEST(Http2Decoder, MultiplexedStreamsAnsweredOutOfOrder) {
    Peers peers;
    std::vector<std::int32_t> ids;
    for (int i = 0; i < 5; ++i) ids.push_back(peers.request(get("/item/" + std::to_string(i))));
    peers.flush();
    const std::vector<int> order = {3, 0, 4, 1, 2};
    for (const int i : order) {
        peers.respond(ids[i], status(std::to_string(200 + i)), std::string(100 * (i + 1), 'x'));
        peers.flush();
    }
    for (const auto& feeding : feedings()) {
        SCOPED_TRACE(feeding.name);
        Connection connection(true);
        feed(connection, feeding.pieces(peers));
        const auto exchanges = connection.take_finished();
        ASSERT_EQ(exchanges.size(), 5u);
        for (std::size_t k = 0; k < order.size(); ++k) {
            const int i = order[k];
            EXPECT_EQ(exchanges[k].stream_id, static_cast<std::uint32_t>(ids[i]));
            EXPECT_EQ(exchanges[k].path, "/item/" + std::to_string(i));
            EXPECT_EQ(exchanges[k].status, 200 + i);
            EXPECT_EQ(exchanges[k].response_bytes, 100u * (i + 1));
        }
    }
}

TEST(Http2Decoder, HeaderBlockSplitIntoContinuations) {
    Peers peers;
    Headers request = get("/big");
    for (int i = 0; i < 4; ++i) request.push_back({"x-large-" + std::to_string(i), text(6000, i)});
    const auto id = peers.request(request);
    peers.flush();
    Headers response = status("200");
    for (int i = 0; i < 4; ++i) response.push_back({"x-reply-" + std::to_string(i), text(6000, 10 + i)});
    peers.respond(id, response, "ok");
    peers.flush();
    ASSERT_NE(peers.frame(Side::client, FrameType::continuation, id).offset, 0u) << "nghttp2 did not split the block";
    ASSERT_NE(peers.frame(Side::server, FrameType::continuation, id).offset, 0u);

    for (const auto& feeding : feedings()) {
        SCOPED_TRACE(feeding.name);
        const auto exchanges = decode(feeding.pieces(peers));
        ASSERT_EQ(exchanges.size(), 1u);
        const auto& e = exchanges[0];
        EXPECT_FALSE(e.hpack_desync);
        EXPECT_EQ(e.path, "/big");
        // The block decodes whole; kMaxKeptBlockBytes keeps the first two of its large fields.
        ASSERT_EQ(e.request_headers.size(), 2u);
        EXPECT_EQ(field(e.request_headers, "x-large-1"), text(6000, 1));
        EXPECT_EQ(e.status, 200);
        EXPECT_EQ(field(e.response_headers, "x-reply-0"), text(6000, 10));
        EXPECT_EQ(e.response_bytes, 2u);
        // The request block was completed by its CONTINUATION's write.
        const auto last = peers.frame(Side::client, FrameType::continuation, id);
        EXPECT_EQ(e.request_ts_ns, peers.ts_at(Side::client, last.end()));
    }
}

TEST(Http2Decoder, PaddedFrames) {
    Peers peers;
    peers.pad_frames(20);
    const auto id = peers.request(post("/padded"), "hello");
    peers.flush();
    peers.respond(id, status("200", {{"content-type", "text/plain"}}), std::string(100, 'r'));
    peers.flush();
    const auto data = peers.frame(Side::server, FrameType::data, id);
    ASSERT_TRUE(data.flags & frame_flag::padded);
    ASSERT_TRUE(peers.frame(Side::client, FrameType::headers, id).flags & frame_flag::padded);
    for (const auto& feeding : feedings()) {
        SCOPED_TRACE(feeding.name);
        const auto exchanges = decode(feeding.pieces(peers));
        ASSERT_EQ(exchanges.size(), 1u);
        EXPECT_FALSE(exchanges[0].hpack_desync);
        EXPECT_EQ(exchanges[0].path, "/padded");
        EXPECT_EQ(field(exchanges[0].response_headers, "content-type"), "text/plain");
        const auto request_frame = peers.frame(Side::client, FrameType::data, id).length;
        if (feeding.name == "whole writes") {  // the pad length byte follows each frame header
            EXPECT_EQ(exchanges[0].request_bytes, 5u);
            EXPECT_EQ(exchanges[0].response_bytes, 100u);
        } else if (feeding.name.starts_with("as the kernel")) {
            // The pad length byte was not copied: the frames' lengths are all there is.
            EXPECT_EQ(exchanges[0].request_bytes, request_frame);
            EXPECT_EQ(exchanges[0].response_bytes, data.length);
        } else {  // padding is taken off when the pad length byte came in the header's piece
            EXPECT_TRUE(exchanges[0].request_bytes == 5u || exchanges[0].request_bytes == request_frame);
            EXPECT_TRUE(exchanges[0].response_bytes == 100u || exchanges[0].response_bytes == data.length);
        }
    }
}

TEST(Http2Decoder, ResetStreams) {
    Peers peers;
    const auto cancelled = peers.request(get("/slow"));
    const auto refused = peers.request(get("/busy"));
    peers.flush();
    peers.reset(Side::client, cancelled, NGHTTP2_CANCEL);
    peers.reset(Side::server, refused, NGHTTP2_REFUSED_STREAM);
    peers.flush();
    for (const auto& feeding : feedings()) {
        SCOPED_TRACE(feeding.name);
        Connection connection(true);
        feed(connection, feeding.pieces(peers));
        const auto exchanges = connection.take_finished();
        ASSERT_EQ(exchanges.size(), 2u);
        EXPECT_EQ(exchanges[0].path, "/slow");
        EXPECT_EQ(exchanges[0].reset_code, NGHTTP2_CANCEL);
        EXPECT_FALSE(exchanges[0].status);
        EXPECT_EQ(exchanges[1].path, "/busy");
        EXPECT_EQ(exchanges[1].reset_code, NGHTTP2_REFUSED_STREAM);
    }
}

TEST(Http2Decoder, GoawayRefusesLaterStreams) {
    Peers peers;
    std::vector<std::int32_t> ids;
    for (int i = 0; i < 4; ++i) ids.push_back(peers.request(get("/g" + std::to_string(i))));
    peers.flush();
    peers.goaway(ids[1], NGHTTP2_NO_ERROR);
    peers.respond(ids[0], status("200"), "a");
    peers.respond(ids[1], status("200"), "b");
    peers.flush();
    for (const auto& feeding : feedings()) {
        SCOPED_TRACE(feeding.name);
        Connection connection(true);
        feed(connection, feeding.pieces(peers));
        const auto exchanges = connection.take_finished();
        ASSERT_EQ(exchanges.size(), 4u);
        // Refused as soon as the GOAWAY was read, before the other two were answered.
        EXPECT_EQ(exchanges[0].stream_id, static_cast<std::uint32_t>(ids[2]));
        EXPECT_EQ(exchanges[1].stream_id, static_cast<std::uint32_t>(ids[3]));
        EXPECT_TRUE(exchanges[0].refused_by_goaway);
        EXPECT_TRUE(exchanges[1].refused_by_goaway);
        EXPECT_EQ(exchanges[0].path, "/g2");
        EXPECT_FALSE(exchanges[0].status);
        EXPECT_FALSE(exchanges[2].refused_by_goaway);
        EXPECT_EQ(exchanges[2].status, 200);
        EXPECT_EQ(exchanges[3].response_bytes, 1u);
    }
}

TEST(Http2Decoder, Grpc) {
    Peers peers;
    const std::string message("\0\0\0\0\3abc", 8);
    const Headers call = {{":method", "POST"},
                          {":scheme", "https"},
                          {":authority", "grpc.test"},
                          {":path", "/pkg.Service/Method"},
                          {"content-type", "application/grpc+proto"},
                          {"te", "trailers"}};
    const auto ok = peers.request(call, message);
    const auto failed = peers.request(call, message);
    const auto trailers_only = peers.request(call, message);
    const auto plain = peers.request(post("/json"), "{}");
    peers.flush();
    const Headers grpc_response = status("200", {{"content-type", "application/grpc"}});
    peers.respond(ok, grpc_response, message, {{"grpc-status", "0"}});
    peers.respond(failed, grpc_response, message, {{"grpc-status", "5"}, {"grpc-message", "not found"}});
    peers.respond(trailers_only, status("200", {{"content-type", "application/grpc"}, {"grpc-status", "5"}}));
    peers.respond(plain, status("200", {{"grpc-status", "3"}}), "{}");
    peers.flush();
    for (const auto& feeding : feedings()) {
        SCOPED_TRACE(feeding.name);
        const auto exchanges = decode(feeding.pieces(peers));
        ASSERT_EQ(exchanges.size(), 4u);
        const auto* e = find(exchanges, ok);
        ASSERT_TRUE(e);
        EXPECT_TRUE(e->grpc);
        EXPECT_EQ(e->grpc_status, 0);
        EXPECT_EQ(e->request_bytes, message.size());
        EXPECT_EQ(e->response_bytes, message.size());
        EXPECT_EQ(field(e->trailers, "grpc-status"), "0");
        e = find(exchanges, failed);
        EXPECT_EQ(e->grpc_status, 5);
        EXPECT_EQ(field(e->trailers, "grpc-message"), "not found");
        e = find(exchanges, trailers_only);
        EXPECT_TRUE(e->grpc);
        EXPECT_EQ(e->status, 200);
        EXPECT_EQ(e->grpc_status, 5);
        EXPECT_TRUE(e->trailers.empty());
        EXPECT_TRUE(e->finished);
        e = find(exchanges, plain);
        EXPECT_FALSE(e->grpc);
        EXPECT_FALSE(e->grpc_status);  // only trailers, or a trailers-only response, say
    }
}

TEST(Http2Decoder, InformationalResponseAndPush) {
    Peers peers;
    const auto id = peers.request(post("/upload"), "data");
    peers.flush();
    peers.informational(id, status("100"));
    peers.flush();
    const auto pushed = peers.push(id, get("/style.css"));
    peers.respond(pushed, status("200", {{"content-type", "text/css"}}), "body{}");
    peers.respond(id, status("200", {{"content-type", "text/css"}}), "ok");
    peers.flush();
    ASSERT_NE(peers.frame(Side::server, FrameType::push_promise, id).offset, 0u);
    for (const auto& feeding : feedings()) {
        SCOPED_TRACE(feeding.name);
        Counters counters;
        const auto exchanges = decode(feeding.pieces(peers), true, &counters);
        ASSERT_EQ(exchanges.size(), 1u);  // pushed streams are not recorded
        EXPECT_EQ(exchanges[0].status, 200);
        EXPECT_EQ(field(exchanges[0].response_headers, "content-type"), "text/css");
        // The 100 came first: the response time is the server's first answer.
        const auto first = peers.frame(Side::server, FrameType::headers, id);
        EXPECT_EQ(exchanges[0].response_ts_ns, peers.ts_at(Side::server, first.end()));
        EXPECT_EQ(counters.pushes, 1u);
        EXPECT_EQ(counters.desync_blocks, 0u);
    }
}

TEST(Http2Decoder, DynamicTableAcrossRequests) {
    Peers peers;
    Headers request = get("/repeat");
    request.push_back({"user-agent", "grpc-go/1.60 (linux; amd64) something long enough"});
    request.push_back({"x-api-client", "egresswatch-test/1.0"});
    request.push_back({"authorization", "Bearer token-value"});
    std::vector<std::int32_t> ids;
    for (int i = 0; i < 5; ++i) {
        ids.push_back(peers.request(request));
        peers.flush();
        peers.respond(ids.back(), status("200", {{"server", "test-server/2"}, {"cache-control", "no-store"}}), "x");
        peers.flush();
    }
    // nghttp2 indexed them: the later blocks are a few bytes.
    const auto first = peers.frame(Side::client, FrameType::headers, ids[0]);
    const auto last = peers.frame(Side::client, FrameType::headers, ids[4]);
    ASSERT_LT(last.length * 3, first.length);
    for (const auto& feeding : feedings()) {
        SCOPED_TRACE(feeding.name);
        const auto exchanges = decode(feeding.pieces(peers));
        ASSERT_EQ(exchanges.size(), 5u);
        for (const auto& e : exchanges) {
            EXPECT_FALSE(e.hpack_desync);
            EXPECT_EQ(e.authority, "api.example.test");
            EXPECT_EQ(field(e.request_headers, "x-api-client"), "egresswatch-test/1.0");
            EXPECT_EQ(field(e.request_headers, "authorization"), "Bearer token-value");
            EXPECT_EQ(field(e.response_headers, "server"), "test-server/2");
        }
    }
}

TEST(Http2Decoder, TableSizeSettings) {
    // The client lets the server's encoder use 256 bytes from the start, then none, then 64 KiB.
    Peers peers({{NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, 256}});
    const Headers reply = status("200", {{"server", "test-server/2"}, {"x-request-id", "abcdef0123456789"}});
    std::vector<std::int32_t> ids;
    const auto round = [&] {
        ids.push_back(peers.request(get("/t" + std::to_string(ids.size()))));
        peers.flush();
        peers.respond(ids.back(), reply, "x");
        peers.flush();
    };
    round();
    round();
    peers.settings(Side::client, {{NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, 0}});
    peers.flush();
    round();
    round();
    peers.settings(Side::client, {{NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, 65536}});
    peers.flush();
    round();
    round();
    for (const auto& feeding : feedings()) {
        SCOPED_TRACE(feeding.name);
        Counters counters;
        const auto exchanges = decode(feeding.pieces(peers), true, &counters);
        ASSERT_EQ(exchanges.size(), ids.size());
        for (std::size_t i = 0; i < ids.size(); ++i) {
            EXPECT_FALSE(exchanges[i].hpack_desync);
            EXPECT_EQ(exchanges[i].path, "/t" + std::to_string(i));
            EXPECT_EQ(field(exchanges[i].response_headers, "x-request-id"), "abcdef0123456789");
        }
        EXPECT_EQ(counters.hpack_errors, 0u);
        EXPECT_EQ(counters.desync_blocks, 0u);
    }
}

// Requests a (seen or not), then b, c, d: b refers to entries a inserted, c and d to none
// inserted before the join, d to one c inserted.
struct JoinScenario {
    Peers peers;
    std::int32_t a, b, c, d;
    JoinScenario() {
        Headers first = get("/a", "a.example.test");
        first.push_back({"x-token", "secret-a"});
        a = peers.request(first);
        peers.flush();
        peers.respond(a, status("200", {{"content-type", "text/plain"}}), "a");
        peers.flush();
        Headers second = get("/b", "a.example.test");
        second.push_back({"x-token", "secret-a"});
        second.push_back({"x-new", "after-join"});
        b = peers.request(second);
        peers.flush();
        peers.respond(b, status("200", {{"content-type", "text/plain"}}), "b");
        peers.flush();
        c = peers.request({{":method", "POST"},
                           {":scheme", "https"},
                           {":authority", "c.example.test"},
                           {":path", "/c"},
                           {"x-new", "after-join"}});
        peers.flush();
        peers.respond(c, status("204"));
        peers.flush();
        d = peers.request(get("/d", "c.example.test"));
        peers.flush();
        peers.respond(d, status("200"));
        peers.flush();
    }
    // The pieces from request b's HEADERS on, and from its response's on.
    std::vector<Piece> after_a(std::vector<Piece> pieces) const {
        const auto client_cut = peers.frame(Side::client, FrameType::headers, b).offset;
        const auto server_cut = peers.frame(Side::server, FrameType::headers, b).offset;
        std::erase_if(pieces, [&](const Piece& piece) {
            return piece.offset < (piece.side == Side::client ? client_cut : server_cut);
        });
        return pieces;
    }
};

TEST(Http2Decoder, JoinedMidConnection) {
    const JoinScenario scenario;
    for (const bool start_seen : {false, true}) {  // true: the first pieces are past offset 0 anyway
        for (const auto& feeding : feedings()) {
            SCOPED_TRACE(feeding.name + (start_seen ? ", start_seen" : ""));
            auto pieces = scenario.after_a(mark_frame_starts(feeding.pieces(scenario.peers), scenario.peers));
            Connection connection(start_seen);
            feed(connection, pieces);
            EXPECT_FALSE(connection.preface_seen());
            const auto exchanges = connection.take_finished();
            ASSERT_EQ(exchanges.size(), 3u);
            const auto& b = exchanges[0];
            EXPECT_EQ(b.stream_id, static_cast<std::uint32_t>(scenario.b));
            EXPECT_TRUE(b.hpack_desync);
            EXPECT_EQ(b.method, "GET");  // the static table
            EXPECT_EQ(b.scheme, "https");
            EXPECT_EQ(b.path, "/b");                            // nghttp2 never indexes :path
            EXPECT_FALSE(b.authority);                          // inserted by request a
            EXPECT_FALSE(field(b.request_headers, "x-token"));  // likewise
            EXPECT_EQ(field(b.request_headers, "x-new"), "after-join");
            EXPECT_EQ(b.status, 200);
            EXPECT_FALSE(field(b.response_headers, "content-type"));
            EXPECT_EQ(b.response_bytes, 1u);
            for (const auto* e : {&exchanges[1], &exchanges[2]}) {
                EXPECT_FALSE(e->hpack_desync) << e->stream_id;
                EXPECT_EQ(e->authority, "c.example.test");
            }
            EXPECT_EQ(exchanges[1].method, "POST");
            EXPECT_EQ(field(exchanges[1].request_headers, "x-new"), "after-join");  // inserted by b
            EXPECT_EQ(exchanges[1].status, 204);
            EXPECT_EQ(exchanges[2].path, "/d");
            const auto& counters = connection.counters();
            EXPECT_EQ(counters.desync_blocks, 2u);  // b's request and response
            EXPECT_EQ(counters.hpack_errors, 0u);
            EXPECT_EQ(counters.losses, 0u);
        }
    }
}

TEST(Http2Decoder, JoinedInsideAHeaderBlock) {
    Peers peers;
    const auto first = peers.request(get("/first"));
    peers.flush();
    Headers big = get("/big");
    for (int i = 0; i < 4; ++i) big.push_back({"x-large-" + std::to_string(i), text(6000, i)});
    const auto second = peers.request(big);
    const auto third = peers.request(get("/third", "third.example.test"));
    peers.flush();
    for (const auto id : {first, second, third}) peers.respond(id, status("200"));
    peers.flush();
    // Start at the CONTINUATION of the second request: its block cannot be decoded.
    const auto cut = peers.frame(Side::client, FrameType::continuation, second).offset;
    ASSERT_NE(cut, 0u);
    auto pieces = peers.kernel_copies();
    std::erase_if(pieces, [&](const Piece& p) { return p.side == Side::client && p.offset < cut; });
    Counters counters;
    const auto exchanges = decode(pieces, false, &counters);
    ASSERT_EQ(exchanges.size(), 3u);
    EXPECT_FALSE(exchanges[1].method);  // the block of the second was not seen: only its response
    EXPECT_EQ(exchanges[1].status, 200);
    EXPECT_EQ(exchanges[2].path, "/third");
    EXPECT_EQ(exchanges[2].authority, "third.example.test");
    EXPECT_EQ(counters.malformed, 0u);
}

// Requests b..f after a: bytes are lost from the middle of b's HEADERS to the middle of c's;
// later client pieces are not frame starts until e's HEADERS.
TEST(Http2Decoder, LossAcrossFrames) {
    Peers peers;
    std::vector<std::int32_t> ids;
    const auto round = [&](Headers request) {
        ids.push_back(peers.request(request));
        peers.flush();
        peers.respond(ids.back(), status("200"), "ok");
        peers.flush();
    };
    Headers with_token = get("/a");
    with_token.push_back({"x-token", "secret"});
    round(with_token);  // a
    Headers b_request = get("/b", "b.example.test");
    b_request.push_back({"x-long", text(200, 1)});
    round(b_request);  // b
    round(get("/c"));  // c
    round(get("/d"));  // d
    Headers e = get("/e", "e.example.test");
    e.push_back({"x-token", "secret"});
    round(e);                            // e: x-token from before the loss
    round(get("/f", "e.example.test"));  // f: only what e inserted
    const auto b = peers.frame(Side::client, FrameType::headers, ids[1]);
    const auto c = peers.frame(Side::client, FrameType::headers, ids[2]);
    const auto e_frame = peers.frame(Side::client, FrameType::headers, ids[4]);
    const auto lost_from = b.offset + 9 + b.length / 2, lost_to = c.offset + 5;

    for (const auto& feeding : feedings()) {
        SCOPED_TRACE(feeding.name);
        std::vector<Piece> pieces;
        for (auto piece : mark_frame_starts(feeding.pieces(peers), peers)) {
            const auto end = piece.offset + piece.bytes.size();
            if (piece.side == Side::server || end <= lost_from) {
                pieces.push_back(piece);
                continue;
            }
            if (piece.offset < lost_from) {
                auto head = piece;
                head.bytes.resize(lost_from - piece.offset);
                pieces.push_back(head);
            }
            if (end > lost_to) {
                if (piece.offset < lost_to) {
                    piece.bytes = piece.bytes.substr(lost_to - piece.offset);
                    piece.offset = lost_to;
                }
                if (piece.offset < e_frame.offset) piece.frame_start = false;
                pieces.push_back(piece);
            }
        }
        Counters counters;
        const auto exchanges = decode(pieces, true, &counters);
        ASSERT_EQ(exchanges.size(), 6u);
        EXPECT_FALSE(exchanges[0].hpack_desync);
        EXPECT_TRUE(exchanges[1].hpack_desync);  // b: cut
        EXPECT_EQ(exchanges[1].method, "GET");   // decoded before the hole
        EXPECT_EQ(exchanges[1].status, 200);
        EXPECT_FALSE(exchanges[2].method);  // c, d: their requests were skipped
        EXPECT_FALSE(exchanges[3].method);
        EXPECT_EQ(exchanges[3].status, 200);
        EXPECT_TRUE(exchanges[4].hpack_desync);  // e: refers to an entry from before the loss
        EXPECT_EQ(exchanges[4].path, "/e");
        EXPECT_EQ(exchanges[4].authority, "e.example.test");
        EXPECT_FALSE(field(exchanges[4].request_headers, "x-token"));
        EXPECT_FALSE(exchanges[5].hpack_desync);  // f: only entries inserted since
        EXPECT_EQ(exchanges[5].authority, "e.example.test");
        EXPECT_EQ(counters.losses, 1u);
        EXPECT_GT(counters.pieces_skipped, 0u);
    }
}

// The kernel did not copy a HEADERS frame (over its copy budget): the gap ends inside the
// frame, so framing holds, but the table is forgotten.
TEST(Http2Decoder, HeaderBlockNotCopied) {
    Peers peers;
    std::vector<std::int32_t> ids;
    for (const auto& path : {"/one", "/two", "/three"}) {
        Headers request = get(path);
        request.push_back({"x-token", "secret"});
        ids.push_back(peers.request(request));
        peers.flush();
        peers.respond(ids.back(), status("200"), "ok");
        peers.flush();
    }
    const auto skipped = peers.frame(Side::client, FrameType::headers, ids[1]);
    // As the kernel does when the HTTP head budget refuses a block: the frame header alone.
    auto pieces = peers.kernel_copies();
    std::erase_if(pieces, [&](const Piece& p) {
        return p.side == Side::client && p.offset > skipped.offset && p.offset < skipped.end();
    });
    for (Piece& p : pieces)
        if (p.side == Side::client && p.offset == skipped.offset) p.bytes.resize(9);
    Counters counters;
    const auto exchanges = decode(pieces, true, &counters);
    ASSERT_EQ(exchanges.size(), 3u);
    EXPECT_FALSE(exchanges[0].hpack_desync);
    EXPECT_TRUE(exchanges[1].hpack_desync);
    EXPECT_FALSE(exchanges[1].path);
    EXPECT_EQ(exchanges[1].status, 200);
    EXPECT_TRUE(exchanges[2].hpack_desync);  // its x-token and authority were inserted before
    EXPECT_EQ(exchanges[2].method, "GET");
    EXPECT_EQ(exchanges[2].path, "/three");
    EXPECT_EQ(counters.losses, 0u);
    EXPECT_EQ(counters.frames_cut, 1u);
}

TEST(Http2Decoder, BoundedOpenStreams) {
    Peers peers;
    std::vector<std::int32_t> ids;
    for (int i = 0; i < 300; ++i) ids.push_back(peers.request(get("/s" + std::to_string(i))));
    peers.flush();
    for (const auto id : ids) peers.respond(id, status("200"));
    peers.flush();
    Connection connection(true);
    feed(connection, peers.kernel_copies());
    const auto exchanges = connection.take_finished();
    ASSERT_EQ(exchanges.size(), kMaxOpenStreams);
    EXPECT_EQ(exchanges.front().stream_id, static_cast<std::uint32_t>(ids[300 - kMaxOpenStreams]));
    EXPECT_EQ(connection.counters().streams_dropped, 300 - kMaxOpenStreams);
    EXPECT_TRUE(connection.take_all().empty());
}

TEST(Http2Decoder, BoundedHeaders) {
    Peers peers;
    Headers many = get("/many");
    for (int i = 0; i < 100; ++i) many.push_back({"x-h" + std::to_string(i), std::to_string(i)});
    many.push_back({"content-type", "application/grpc"});  // read even past the kept ones
    const auto first = peers.request(many);
    Headers long_value = get("/long");
    long_value.push_back({"x-long", text(10000, 7)});
    const auto second = peers.request(long_value);
    Headers wide = get("/wide");
    for (int i = 0; i < 4; ++i) wide.push_back({"x-w" + std::to_string(i), text(6000, i)});
    const auto third = peers.request(wide);
    peers.flush();
    peers.respond(first, status("200"));
    peers.respond(second, status("200"));
    peers.respond(third, status("200"));
    peers.flush();
    Counters counters;
    const auto exchanges = decode(peers.kernel_copies(), true, &counters);
    ASSERT_EQ(exchanges.size(), 3u);
    // kMaxKeptBlockBytes: two 6000-byte values fit, the next two do not.
    EXPECT_EQ(exchanges[2].request_headers.size(), 2u);
    EXPECT_EQ(exchanges[0].request_headers.size(), kMaxKeptHeaders);
    EXPECT_EQ(exchanges[0].request_headers.back().name, "x-h63");
    EXPECT_TRUE(exchanges[0].grpc);
    EXPECT_FALSE(exchanges[0].hpack_desync);
    EXPECT_EQ(counters.headers_dropped, 101 - kMaxKeptHeaders + 2);
    EXPECT_EQ(field(exchanges[1].request_headers, "x-long"), text(10000, 7).substr(0, kMaxHeaderValue));
    EXPECT_EQ(counters.values_truncated, 1u);
}

TEST(Http2Decoder, HeaderBlockTooLarge) {
    Peers peers;
    Headers huge = get("/huge");
    for (int i = 0; i < 50; ++i) huge.push_back({"x-big-" + std::to_string(i), text(8000, 100 + i)});
    const auto id = peers.request(huge);
    const auto next = peers.request(get("/next", "next.example.test"));
    peers.flush();
    EXPECT_TRUE(peers.failed(Side::server));  // nghttp2 refuses blocks of this many CONTINUATIONs
    Connection connection(true);
    feed(connection, peers.kernel_copies());
    const auto exchanges = connection.take_all();
    ASSERT_EQ(exchanges.size(), 2u);
    EXPECT_EQ(exchanges[0].stream_id, static_cast<std::uint32_t>(id));
    EXPECT_TRUE(exchanges[0].hpack_desync);
    EXPECT_FALSE(exchanges[0].finished);
    EXPECT_EQ(exchanges[1].stream_id, static_cast<std::uint32_t>(next));
    EXPECT_EQ(exchanges[1].path, "/next");
    EXPECT_EQ(exchanges[1].authority, "next.example.test");
    EXPECT_EQ(connection.counters().blocks_too_large, 1u);
}

TEST(Http2Decoder, GarbageAndMisplacedInput) {
    std::mt19937 random(42);
    for (int round = 0; round < 200; ++round) {
        Connection connection(round % 2 == 0);
        std::uint64_t offsets[2] = {0, 0};
        for (int i = 0; i < 50; ++i) {
            const int side = random() % 2;
            std::string bytes(random() % 200, '\0');
            for (auto& c : bytes) c = static_cast<char>(random());
            if (random() % 4 == 0) offsets[side] += random() % 100;
            connection.feed(side ? Side::server : Side::client, offsets[side], bytes, random() % 3 == 0, i);
            offsets[side] += bytes.size();
            for (const auto& e : connection.take_finished()) EXPECT_TRUE(e.finished);
        }
        connection.take_all();
    }
    // Real frames with the preface missing, and a client that sends a server's bytes.
    Peers peers;
    peers.request(get("/x"));
    peers.flush();
    Connection no_preface(true);
    no_preface.feed(Side::client, 0, peers.stream(Side::client).substr(24), true, 1);
    EXPECT_GT(no_preface.counters().malformed, 0u);
    EXPECT_TRUE(no_preface.take_all().empty());
    // A frame longer than SETTINGS_MAX_FRAME_SIZE.
    Connection too_long(true);
    too_long.feed(Side::server, 0, std::string("\x01\x00\x00\x00\x00\x00\x00\x00\x00", 9), true, 1);
    EXPECT_EQ(too_long.counters().malformed, 1u);
}

// The fuzzer's seeds (tests/fuzz/fuzz_http2.cpp says their format) are real peers' traffic:
// this checks them, and EGRESSWATCH_UPDATE_GOLDEN=1 writes them again.
TEST(Http2Decoder, FuzzSeedsAreRealPeersTraffic) {
    const auto encode = [](const std::vector<Piece>& pieces, bool start_seen) {
        std::string out(1, start_seen ? '\1' : '\0');
        std::uint64_t next[2] = {0, 0};
        for (const auto& piece : pieces) {
            const int side = piece.side == Side::server ? 1 : 0;
            for (std::size_t at = 0; at < piece.bytes.size(); at += 255) {
                const auto offset = piece.offset + at;
                std::uint8_t control = static_cast<std::uint8_t>(side | (piece.frame_start && at == 0 ? 2 : 0));
                std::string gap;
                if (offset > next[side]) {
                    const auto skip = std::min<std::uint64_t>(offset - next[side], 0xFFFF);
                    control |= 1 << 2;
                    gap = {static_cast<char>(skip >> 8), static_cast<char>(skip & 0xFF)};
                }
                const auto chunk = piece.bytes.substr(at, 255);
                out += static_cast<char>(control);
                out += gap;
                out += static_cast<char>(chunk.size());
                out += chunk;
                next[side] = offset + chunk.size();
            }
        }
        return out;
    };
    const std::filesystem::path directory = std::filesystem::path(FIXTURES_DIR) / "../fuzz/corpus/fuzz_http2";
    const auto write = [&](const std::string& name, const std::string& bytes) {
        if (std::getenv("EGRESSWATCH_UPDATE_GOLDEN")) {
            std::ofstream(directory / name, std::ios::binary) << bytes;
            return;
        }
        std::ifstream in(directory / name, std::ios::binary);
        std::string seed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        EXPECT_EQ(seed, bytes) << name << ": run with EGRESSWATCH_UPDATE_GOLDEN=1 to write it again";
    };
    {
        Peers peers;
        const auto a = peers.request(get("/a"));
        const auto b = peers.request(post("/b"), "body");
        peers.flush();
        peers.respond(a, status("200", {{"content-type", "text/plain"}}), "hello");
        peers.respond(b, status("201"));
        peers.flush();
        write("get_and_post", encode(peers.kernel_copies(), true));
    }
    {
        Peers peers;
        const Headers call = {{":method", "POST"},
                              {":scheme", "https"},
                              {":authority", "grpc.test"},
                              {":path", "/pkg.S/M"},
                              {"content-type", "application/grpc"}};
        const auto ok = peers.request(call, std::string("\0\0\0\0\1x", 6));
        const auto fail = peers.request(call, std::string("\0\0\0\0\1y", 6));
        peers.flush();
        peers.respond(ok, status("200", {{"content-type", "application/grpc"}}), std::string("\0\0\0\0\0", 5),
                      {{"grpc-status", "0"}});
        peers.respond(fail, status("200", {{"content-type", "application/grpc"}, {"grpc-status", "5"}}));
        peers.reset(Side::client, ok, NGHTTP2_CANCEL);
        peers.goaway(ok, NGHTTP2_NO_ERROR);
        peers.flush();
        write("grpc_reset_goaway", encode(peers.whole(), true));
    }
    {
        const JoinScenario scenario;
        write("joined", encode(scenario.after_a(scenario.peers.kernel_copies()), false));
    }
}
