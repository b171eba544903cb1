// HTTP/2 over TLS, read from the TLS library's plaintext: real clients (curl, node's http2,
// python3-h2 through the ssl module) against nghttpd (Debian's nghttp2-server), which runs in
// NamedTestHosts' namespace on port 8443 with the hosts' certificate. Each stream must be one
// http record with "http_version": "2", its method, path, :authority as host and status, joined
// to the connection and its SNI as HTTP/1 requests are.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "h2_server_run.h"

using namespace egresswatch::test;
using namespace std::chrono_literals;

namespace {

class Http2 : public H2ServerRun {};

}  // namespace

// curl negotiates HTTP/2 by default: three requests on one connection, in order, with their
// statuses, response times and sizes, and the .deb classified as a package to mirror.
TEST_F(Http2, CurlDefaultIsHttp2AndEveryRequestIsReportedInOrder) {
    auto events = observe("curl -4 -sS -o /dev/null -o /dev/null -o /dev/null --cacert " + cert() + " " +
                          url("/api/v1/status") + " " + url("/missing") + " " + url(kDebPath));
    auto requests = h2_requests(events);
    ASSERT_EQ(requests.size(), 3u) << read_text(out() + "/requests.log");
    const char* paths[] = {"/api/v1/status", "/missing", kDebPath};
    const int statuses[] = {200, 404, 200};
    for (std::size_t i = 0; i < 3; ++i) {
        SCOPED_TRACE(paths[i]);
        EXPECT_EQ(requests[i]["method"], "GET");
        EXPECT_EQ(requests[i]["path"], paths[i]);
        EXPECT_EQ(requests[i]["status"], statuses[i]);
        EXPECT_EQ(requests[i]["host"], "secure.test");
        EXPECT_EQ(requests[i]["tls_library"], "openssl");
        EXPECT_EQ(requests[i]["exe"], "/usr/bin/curl");
        EXPECT_GT(requests[i]["response_time_ms"].get<double>(), 0.0) << requests[i].dump();
        EXPECT_FALSE(requests[i].contains("hpack_desync")) << requests[i].dump();
        EXPECT_EQ(requests[i]["cookie"], requests[0]["cookie"]) << "one connection";
        expect_joined(events, requests[i]);
    }
    EXPECT_EQ(requests[0]["response_bytes"], 3);
    EXPECT_EQ(requests[2]["response_bytes"], kDebBytes);
    EXPECT_EQ(requests[2]["file_type"], "package");
    auto tls = select(events, "tls", [&](const json& e) { return e["cookie"] == requests[0]["cookie"]; });
    ASSERT_EQ(tls.size(), 1u);
    EXPECT_NE(tls[0]["alpn"].dump().find("h2"), std::string::npos) << tls[0].dump();
    // The ServerHello: TLS 1.3, whose choice of protocol is encrypted.
    EXPECT_EQ(tls[0]["tls_version"], "1.3") << tls[0].dump();
    EXPECT_TRUE(tls[0]["alpn_selected"].is_null()) << tls[0].dump();
    // The connection ends saying its requests were seen, and through which library.
    auto ends = select(events, "tls_end", [&](const json& e) { return e["cookie"] == requests[0]["cookie"]; });
    ASSERT_EQ(ends.size(), 1u);
    EXPECT_EQ(ends[0]["requests"], 3) << ends[0].dump();
    EXPECT_EQ(ends[0]["requests_visible"], true);
    EXPECT_EQ(ends[0]["library"], "openssl");
    auto lines = request_log(out());
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[1].path, "/missing");
    EXPECT_EQ(lines[1].status, "404");
    EXPECT_TRUE(lines[1].tls);
}

// --http1.1 against the same name: the same requests, now HTTP/1.1 records (web_server.py on
// 443 answers HTTP/1.1 only; nghttpd speaks HTTP/2 only).
TEST_F(Http2, CurlHttp11IsReportedAsHttp11) {
    auto events = observe("curl -4 -sS --http1.1 -o /dev/null -o /dev/null --cacert " + cert() +
                          " https://secure.test/api/v1/status https://secure.test/missing");
    auto requests = select(events, "http", [](const json& e) { return e["tls"] == true; });
    ASSERT_EQ(requests.size(), 2u) << read_text(out() + "/requests.log");
    for (const json& r : requests) EXPECT_EQ(r["http_version"], "1.1") << r.dump();
    EXPECT_EQ(requests[1]["status"], 404);
}

// A download of many DATA frames costs their headers only, and its size is still counted; the
// requests around it keep their heads.
TEST_F(Http2, LargeDownloadsAreCountedWithoutCopyingTheirData) {
    auto events = observe("curl -4 -sS -o /dev/null -o /dev/null -o /dev/null --cacert " + cert() + " " +
                          url("/big.bin") + " " + url("/big.bin") + " " + url("/api/v1/status"));
    auto requests = h2_requests(events);
    ASSERT_EQ(requests.size(), 3u) << read_text(out() + "/requests.log");
    EXPECT_EQ(requests[0]["response_bytes"], kBigBytes);
    EXPECT_EQ(requests[1]["response_bytes"], kBigBytes);
    EXPECT_EQ(requests[2]["path"], "/api/v1/status");
    EXPECT_EQ(requests[2]["status"], 200);
    auto rep = report();
    EXPECT_EQ(rep["counters"]["lost"]["reasons"].value("tls_h2_untracked", 0), 0) << rep["counters"].dump();
}

// Streams multiplexed on one connection, answered in any order: each record has its own path
// and status.
TEST_F(Http2, ConcurrentStreamsOnOneConnectionAreEachTheirOwnRequest) {
    std::string script = std::string(TESTPROGS_DIR) + "/h2_client.py";
    std::string batch = "/api/v1/status,/missing,/big.bin," + std::string(kDebPath) + ",/missing2";
    auto events = observe("/usr/bin/python3 " + shell_quote(script) + " secure.test " + std::to_string(kH2Port) + " " +
                          cert() + " " + batch);
    auto requests = h2_requests(events);
    ASSERT_EQ(requests.size(), 5u) << read_text(out() + "/requests.log");
    std::map<std::string, int> status;
    for (const json& r : requests) {
        status[r["path"]] = r["status"];
        EXPECT_EQ(r["cookie"], requests[0]["cookie"]);
        EXPECT_EQ(r["user_agent"], "h2-test-client");
        EXPECT_EQ(r["comm"], "python3");
        expect_joined(events, r);
    }
    EXPECT_EQ(status,
              (std::map<std::string, int>{
                  {"/api/v1/status", 200}, {"/missing", 404}, {"/big.bin", 200}, {kDebPath, 200}, {"/missing2", 404}}));
}

// node's http2 module (OpenSSL linked into node, ciphertext written by node itself).
TEST_F(Http2, NodeHttp2Client) {
    std::string script = file("h2_client.js", R"JS(const http2 = require("http2");
const fs = require("fs");
const [ca, origin] = [fs.readFileSync(process.argv[2]), process.argv[3]];
const session = http2.connect(origin, { ca });
function get(path) {
  return new Promise((resolve, reject) => {
    const req = session.request({ ":path": path });
    let status = 0;
    req.on("response", (headers) => { status = headers[":status"]; });
    req.on("data", () => {});
    req.on("end", () => resolve(status));
    req.on("error", reject);
    req.end();
  });
}
(async () => {
  const statuses = await Promise.all([get("/api/v1/status"), get("/missing")]);
  if (statuses[0] !== 200 || statuses[1] !== 404) process.exit(2);
  if ((await get("/api/v1/status")) !== 200) process.exit(3);
  session.close();
})();
)JS");
    auto events = observe("node " + shell_quote(script) + " " + cert() + " " + url(""));
    auto requests = h2_requests(events);
    ASSERT_EQ(requests.size(), 3u) << read_text(out() + "/requests.log");
    std::multiset<std::string> paths;
    for (const json& r : requests) {
        paths.insert(r["path"].get<std::string>() + " " + std::to_string(r["status"].get<int>()));
        EXPECT_EQ(r["host"], "secure.test");
        EXPECT_EQ(r["comm"], "node");
        expect_joined(events, r);
    }
    EXPECT_EQ(paths, (std::multiset<std::string>{"/api/v1/status 200", "/api/v1/status 200", "/missing 404"}));
}

// `watch` started while a client holds its HTTP/2 connection open: the requests after the start
// are reported, and where they refer to header table entries made before it, with
// "hpack_desync": true and what could not be decoded as null; never guessed.
TEST_F(Http2, WatchJoiningAnOpenConnectionMarksWhatItCannotDecode) {
    std::string go = dir_ + "/go";
    std::string script = std::string(TESTPROGS_DIR) + "/h2_client.py";
    std::string client_out = dir_ + "/client.out";
    std::string command = hosts_->with_resolver("/usr/bin/python3 " + shell_quote(script) + " secure.test " +
                                                std::to_string(kH2Port) + " " + cert() + " /api/v1/status --wait-for " +
                                                shell_quote(go) + " /api/v1/status,/missing");
    std::string watch_out = dir_ + "/watch";
    watch_joining(command, go, client_out, watch_out);
    if (HasFatalFailure()) return;
    ASSERT_NE(read_text(client_out).find("/missing 404"), std::string::npos) << read_text(client_out);

    auto events = read_events(watch_out);
    auto requests = select(events, "http", [](const json& e) {
        return e.value("http_version", "") == "2" && e.value("comm", "") == "python3";
    });
    ASSERT_EQ(requests.size(), 2u) << read_text(watch_out + "/requests.log");
    for (const json& r : requests) {
        EXPECT_EQ(r["method"], "GET") << r.dump();
        EXPECT_TRUE(r.value("hpack_desync", false))
            << "x-trace and user-agent were indexed before the watch: " << r.dump();
        EXPECT_FALSE(r["status"].is_null()) << r.dump();
    }
    // /api/v1/status was sent before the watch: its second use is an index into the unseen table.
    bool unknown_path = false, missing = false;
    for (const json& r : requests) {
        unknown_path = unknown_path || r["path"].is_null();
        missing = missing || r["path"] == "/missing";
    }
    EXPECT_TRUE(unknown_path) << requests[0].dump();
    EXPECT_TRUE(missing) << "a path never sent before is decoded: " << requests[1].dump();
    auto rep = json::parse(read_text(watch_out + "/report.json"));
    EXPECT_EQ(rep["counters"]["events"].value("http_hpack_desync", 0), 2)
        << rep["counters"].dump() << read_text(watch_out + "/requests.log");
}

// TLS 1.2 says in its ServerHello which protocol the server chose: h2 here.
TEST_F(Http2, TheServerHelloGivesTheVersionAndTheClearAlpn) {
    auto events = observe("curl -4 -sS --tls-max 1.2 -o /dev/null --cacert " + cert() + " " + url("/api/v1/status"));
    auto tls = select(events, "tls", [](const json& e) { return e["comm"] == "curl"; });
    ASSERT_EQ(tls.size(), 1u);
    EXPECT_EQ(tls[0]["tls_version"], "1.2") << tls[0].dump();
    EXPECT_EQ(tls[0]["alpn_selected"], "h2") << tls[0].dump();
    EXPECT_EQ(h2_requests(events).size(), 1u);
}

// gRPC: a real gRPC server (grpc-go's health service, from Debian's golang-google-grpc-dev,
// built offline) answers calls made over HTTP/2 through libssl. Each call is a request with
// "grpc": true, its /package.Service/Method path and the grpc-status of its trailers (or of a
// trailers-only answer).
TEST_F(Http2, GrpcCallsCarryTheirMethodAndStatus) {
    ASSERT_EQ(access("/usr/bin/go", X_OK), 0) << "run scripts/install-deps.sh (golang-go)";
    start_grpc_server();
    if (HasFatalFailure()) return;
    std::string script = std::string(TESTPROGS_DIR) + "/grpc_call.py";
    std::string client_out = dir_ + "/grpc.out";
    std::string calls_args;
    for (const std::string& call : kHealthCalls) calls_args += " " + call;
    auto events = observe("/usr/bin/python3 " + shell_quote(script) + " secure.test " + std::to_string(kGrpcPort) +
                          " " + cert() + calls_args + " > " + shell_quote(client_out));
    EXPECT_EQ(read_text(client_out), kHealthCallsOut);
    auto calls = h2_requests(events);
    expect_health_calls(calls);
    if (HasFatalFailure()) return;
    for (const json& call : calls) expect_joined(events, call, kGrpcPort);
}
