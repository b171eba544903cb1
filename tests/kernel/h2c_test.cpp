// h2c, cleartext HTTP/2 with prior knowledge, read from packets (bpf/lib/h2c.bpf.h): real
// clients (python3-h2 on a plain socket, nghttp, curl, grpc-go without TLS) against nghttpd
// --no-tls and grpc-go's health server in NamedTestHosts' namespace. Each stream is one http
// record with "http_version": "2" and "tls": false, as HTTP/2 over TLS is. nftables in the
// hosts' namespace drops one chosen packet: a retransmit must be walked once, and a segment
// arriving ahead of one lost must be counted, never silently misread.
#include <chrono>
#include <map>
#include <string>

#include "h2_server_run.h"

using namespace egresswatch::test;
using namespace std::chrono_literals;

namespace {

// One nftables table that drops the `nth` (from 0) packet matching `match`, removed when
// destroyed. `table` names where:
//  - "inet" with hook input, in the hosts' namespace: a client's packet, already seen by its
//    egress program, lost on arrival: TCP sends it again;
//  - "netdev" with hook ingress on the root namespace's end of the veth pair: a server's
//    packet lost before the client's ingress program sees it. (Dropped on the server's
//    output instead, TCP would learn of it at once and send it again before the next.)
class DropOnePacket {
public:
    DropOnePacket(std::string netns, std::string family, const std::string& hook, const std::string& match, int nth)
        : netns_(std::move(netns)), family_(std::move(family)) {
        // nft wants the closing braces of a one-line table on lines of their own.
        std::string rules = "table " + family_ + " ew_h2c_test { chain c { type filter hook " + hook + " priority 0; " +
                            match + " numgen inc mod 1000000 == " + std::to_string(nth) + " counter drop; }\n}";
        auto r = run_command(nft({rules}), 10s);
        error_ = r.exit_code == 0 ? "" : "nft: " + r.out + r.err;
    }
    ~DropOnePacket() { run_command(nft({"delete", "table", family_, "ew_h2c_test"}), 10s); }
    const std::string& error() const { return error_; }
    // Packets dropped so far.
    int dropped() const {
        auto r = run_command(nft({"list", "table", family_, "ew_h2c_test"}), 10s);
        auto at = r.out.find("counter packets ");
        return at == std::string::npos ? -1 : std::stoi(r.out.substr(at + 16));
    }

private:
    std::vector<std::string> nft(const std::vector<std::string>& args) const {
        std::vector<std::string> argv;
        if (!netns_.empty()) argv = {"/usr/sbin/ip", "netns", "exec", netns_};
        argv.push_back("/usr/sbin/nft");
        argv.insert(argv.end(), args.begin(), args.end());
        return argv;
    }
    std::string netns_, family_, error_;
};

class H2c : public H2ServerRun {
protected:
    void SetUp() override {
        H2ServerRun::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        start_h2c_server();
    }

    std::string python_client(const std::vector<std::string>& batches) const {
        std::string command = "/usr/bin/python3 " + shell_quote(std::string(TESTPROGS_DIR) + "/h2_client.py") +
                              " secure.test " + std::to_string(kH2cPort) + " -";
        for (const std::string& batch : batches) command += " " + batch;
        return command;
    }

    std::string url(const std::string& path) const { return "http://secure.test:" + std::to_string(kH2cPort) + path; }

    // An h2c request: cleartext, on its connection to the h2c port, named by its :authority.
    static void expect_h2c(const std::vector<json>& events, const json& request) {
        EXPECT_EQ(request["tls"], false) << request.dump();
        EXPECT_FALSE(request.contains("tls_library")) << request.dump();
        EXPECT_EQ(request["host"], "secure.test") << request.dump();
        EXPECT_EQ(request["dport"], kH2cPort) << request.dump();
        EXPECT_FALSE(request.contains("hpack_desync")) << request.dump();
        const json* connect = connect_with_cookie(events, request);
        ASSERT_NE(connect, nullptr) << "no connection for " << request.dump();
        EXPECT_EQ((*connect)["host"], "secure.test") << "the :authority names the connection: " << connect->dump();
    }

    int lost(const std::string& reason) { return report()["counters"]["lost"]["reasons"].value(reason, 0); }
};

}  // namespace

// python3-h2 on a plain socket: streams multiplexed on one connection, a download whose DATA is
// skipped but counted, and a .deb classified, each its own request.
TEST_F(H2c, StreamsOnOneConnectionAreEachTheirOwnRequest) {
    auto events = observe(python_client({"/api/v1/status,/missing,/big.bin," + std::string(kDebPath)}));
    auto requests = h2_requests(events);
    ASSERT_EQ(requests.size(), 4u) << read_text(out() + "/requests.log");
    std::map<std::string, json> by_path;
    for (const json& r : requests) {
        by_path[r["path"]] = r;
        EXPECT_EQ(r["method"], "GET");
        EXPECT_EQ(r["comm"], "python3");
        EXPECT_EQ(r["user_agent"], "h2-test-client");
        EXPECT_EQ(r["cookie"], requests[0]["cookie"]) << "one connection";
        expect_h2c(events, r);
    }
    ASSERT_EQ(by_path.size(), 4u);
    EXPECT_EQ(by_path["/api/v1/status"]["status"], 200);
    EXPECT_EQ(by_path["/missing"]["status"], 404);
    EXPECT_EQ(by_path["/big.bin"]["response_bytes"], kBigBytes);
    EXPECT_EQ(by_path[kDebPath]["file_type"], "package");
    EXPECT_GT(by_path["/api/v1/status"]["response_time_ms"].get<double>(), 0.0);
    EXPECT_EQ(lost("h2c_untracked"), 0) << report()["counters"].dump();
    EXPECT_TRUE(select(events, "tls", [](const json&) { return true; }).empty()) << "no TLS here";
    // The request log and the report's endpoints say it as they say HTTP/1.1 in cleartext.
    auto lines = request_log(out());
    ASSERT_EQ(lines.size(), 4u);
    for (const RequestLine& line : lines) EXPECT_FALSE(line.tls);
    EXPECT_NE(endpoint(report(), "secure.test", "GET", kDebPath), nullptr) << report().dump();
}

// nghttp (nghttp2-client) multiplexes its URIs on one connection; curl with prior knowledge
// makes one request per connection (curl 7.88 fails to reuse an h2c connection).
TEST_F(H2c, NghttpAndCurlWithPriorKnowledge) {
    auto events = observe("/usr/bin/nghttp -n " + url("/api/v1/status") + " " + url("/missing") +
                          " && curl -sS -o /dev/null --http2-prior-knowledge " + url(kDebPath));
    auto requests = h2_requests(events);
    ASSERT_EQ(requests.size(), 3u) << read_text(out() + "/requests.log");
    std::map<std::string, json> by_path;
    for (const json& r : requests) {
        by_path[r["path"]] = r;
        expect_h2c(events, r);
    }
    EXPECT_EQ(by_path["/api/v1/status"]["exe"], "/usr/bin/nghttp");
    EXPECT_EQ(by_path["/api/v1/status"]["status"], 200);
    EXPECT_EQ(by_path["/missing"]["status"], 404);
    EXPECT_EQ(by_path["/missing"]["cookie"], by_path["/api/v1/status"]["cookie"]);
    EXPECT_EQ(by_path[kDebPath]["exe"], "/usr/bin/curl");
    EXPECT_EQ(by_path[kDebPath]["status"], 200);
    EXPECT_EQ(by_path[kDebPath]["file_type"], "package");
}

// gRPC inside clusters is mostly h2c: grpc-go without TLS, each call its method path and
// grpc-status.
TEST_F(H2c, GrpcGoWithoutTls) {
    start_grpc_server(false);
    ASSERT_FALSE(HasFatalFailure());
    std::string binary = dir_ + "/grpcclient";
    auto build = go_build(std::string(TESTPROGS_DIR) + "/go_grpc_client.go", binary);
    ASSERT_EQ(build.exit_code, 0) << "needs golang-google-grpc-dev: " << build.out << build.err;
    std::vector<std::string> argv{binary, "-", "secure.test:" + std::to_string(kGrpcH2cPort),
                                  hosts_->v4() + ":" + std::to_string(kGrpcH2cPort)};
    argv.insert(argv.end(), kHealthCalls.begin(), kHealthCalls.end());
    auto events = observe_argv(argv);
    EXPECT_EQ(command_out(), kHealthCallsOut);
    auto calls = h2_requests(events);
    expect_health_calls(calls);
    for (const json& call : calls) {
        EXPECT_EQ(call["tls"], false) << call.dump();
        EXPECT_EQ(call["dport"], kGrpcH2cPort);
    }
}

// The client's second payload packet is dropped on arrival, after its egress program walked
// it: TCP sends it again, and the retransmit must not make a second request.
TEST_F(H2c, ARetransmittedSegmentIsWalkedOnce) {
    DropOnePacket drop(hosts_->netns(), "inet", "input", "tcp dport " + std::to_string(kH2cPort) + " meta length > 80",
                       1);
    ASSERT_EQ(drop.error(), "");
    auto events = observe(python_client({"/api/v1/status", "/missing", "/api/v1/status"}));
    EXPECT_EQ(drop.dropped(), 1);
    auto requests = h2_requests(events);
    ASSERT_EQ(requests.size(), 3u) << read_text(out() + "/requests.log");
    EXPECT_EQ(requests[0]["path"], "/api/v1/status");
    EXPECT_EQ(requests[1]["path"], "/missing");
    EXPECT_EQ(requests[1]["status"], 404);
    EXPECT_EQ(requests[2]["status"], 200);
    EXPECT_EQ(lost("h2c_untracked"), 0) << report()["counters"].dump();
}

// A server's response HEADERS segment is lost, and its DATA segment arrives first: the walk
// cannot know where frames are, so that direction is given up, counted as lost, and its
// answers are missing rather than misread; the requests, egress, are still seen, and the
// client itself is unharmed.
TEST_F(H2c, ASegmentAheadOfALostOneIsCountedAsLost) {
    constexpr int kPort = 8082;
    pid_t server = spawn_server({"/usr/sbin/ip", "netns", "exec", hosts_->netns(), "/usr/bin/python3",
                                 std::string(TESTPROGS_DIR) + "/h2c_split_server.py", std::to_string(kPort)},
                                dir_ + "/split-server.log");
    ASSERT_GT(server, 0);
    wait_until_accepting(kPort, server, dir_ + "/split-server.log");
    DropOnePacket drop("", "netdev", "ingress device \"" + hosts_->veth_host() + "\"",
                       "tcp sport " + std::to_string(kPort) + " meta length > 1000", 0);
    ASSERT_EQ(drop.error(), "");
    std::string client = "/usr/bin/python3 " + shell_quote(std::string(TESTPROGS_DIR) + "/h2_client.py") +
                         " secure.test " + std::to_string(kPort) + " - /first /second";
    auto events = observe(client);
    stop_server(server);
    EXPECT_EQ(drop.dropped(), 1);
    EXPECT_EQ(command_out(), "/first 200 200\n/second 200 200\n");
    EXPECT_EQ(lost("h2c_untracked"), 1) << report()["counters"].dump();
    auto requests = h2_requests(events);
    ASSERT_EQ(requests.size(), 2u) << read_text(out() + "/requests.log");
    EXPECT_EQ(requests[0]["path"], "/first");
    EXPECT_EQ(requests[1]["path"], "/second");
    for (const json& r : requests) EXPECT_TRUE(r["status"].is_null()) << r.dump();
}
