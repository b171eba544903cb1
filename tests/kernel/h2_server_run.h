#pragma once
// A fixture for the HTTP/2 tests: NamedHostsRun with nghttpd (Debian's nghttp2-server) in the
// test hosts' namespace on port 8443, serving a few files with the hosts' certificate, and
// selectors over the http records of HTTP/2.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "named_hosts_run.h"

namespace egresswatch::test {

using namespace std::chrono_literals;

inline constexpr int kH2Port = 8443;
inline constexpr const char* kNghttpd = "/usr/sbin/nghttpd";
inline constexpr const char* kDebPath = "/pool/main/h/h2_1.0_amd64.deb";
inline constexpr std::size_t kDebBytes = 5000;
inline constexpr std::size_t kBigBytes = 300000;  // many DATA frames: their payload is not copied

// Three calls to grpc-go's health service, as the gRPC clients take them, and what the
// clients print for them: OK, NOT_FOUND (an unknown service), UNIMPLEMENTED.
inline const std::vector<std::string> kHealthCalls{"/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/Check=nope",
                                                   "/grpc.health.v1.Health/Nope"};
inline constexpr const char* kHealthCallsOut =
    "/grpc.health.v1.Health/Check 0\n/grpc.health.v1.Health/Check 5\n/grpc.health.v1.Health/Nope 12\n";

// The http records of kHealthCalls: each its method path and grpc-status.
inline void expect_health_calls(const std::vector<json>& calls) {
    ASSERT_EQ(calls.size(), 3u);
    const char* paths[] = {"/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/Check",
                           "/grpc.health.v1.Health/Nope"};
    const int statuses[] = {0, 5, 12};
    for (std::size_t i = 0; i < 3; ++i) {
        SCOPED_TRACE(paths[i]);
        EXPECT_EQ(calls[i]["method"], "POST");
        EXPECT_EQ(calls[i]["path"], paths[i]);
        EXPECT_EQ(calls[i]["grpc"], true) << calls[i].dump();
        EXPECT_EQ(calls[i]["grpc_status"], statuses[i]) << calls[i].dump();
        EXPECT_EQ(calls[i]["status"], 200) << calls[i].dump();
        EXPECT_EQ(calls[i]["host"], "secure.test");
    }
}

class H2ServerRun : public NamedHostsRun {
protected:
    void SetUp() override {
        NamedHostsRun::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        ASSERT_EQ(access(kNghttpd, X_OK), 0) << "run scripts/install-deps.sh (nghttp2-server)";
        www_ = dir_ + "/www";
        std::filesystem::create_directories(www_ + "/api/v1");
        std::filesystem::create_directories(www_ + "/pool/main/h");
        std::ofstream(www_ + "/api/v1/status") << "ok\n";
        std::ofstream(www_ + kDebPath) << std::string(kDebBytes, 'd');
        std::ofstream(www_ + "/big.bin") << std::string(kBigBytes, 'b');
        server_ = spawn_server({"/usr/sbin/ip", "netns", "exec", hosts_->netns(), kNghttpd, "-d", www_,
                                std::to_string(kH2Port), hosts_->key_path(), hosts_->cert_path()},
                               dir_ + "/nghttpd.log");
        ASSERT_GT(server_, 0);
        wait_until_accepting(kH2Port, server_, dir_ + "/nghttpd.log");
    }
    void TearDown() override {
        stop_server(h2c_server_);
        stop_server(grpc_server_);
        stop_server(server_);
        NamedHostsRun::TearDown();
    }

    // curl's --connect-to for secure.test:PORT: for clients run without the test resolver.
    std::string connect_to(int port = kH2Port) const {
        return "secure.test:" + std::to_string(port) + "=" + hosts_->v4() + ":" + std::to_string(port);
    }

    // grpc-go's health service (Debian's golang-google-grpc-dev, built offline) in the hosts'
    // namespace: over TLS with their certificate on kGrpcPort, or in cleartext HTTP/2 (h2c) on
    // kGrpcH2cPort; stopped at TearDown.
    static constexpr int kGrpcPort = 9443;
    static constexpr int kGrpcH2cPort = 9080;
    void start_grpc_server(bool tls = true) {
        ASSERT_EQ(access("/usr/bin/go", X_OK), 0) << "run scripts/install-deps.sh (golang-go)";
        std::string binary = dir_ + "/grpcserver";
        auto build = go_build(std::string(TESTPROGS_DIR) + "/go_grpc_server.go", binary);
        ASSERT_EQ(build.exit_code, 0) << "needs golang-google-grpc-dev: " << build.out << build.err;
        int port = tls ? kGrpcPort : kGrpcH2cPort;
        std::vector<std::string> argv{"/usr/sbin/ip",  "netns", "exec",
                                      hosts_->netns(), binary,  ":" + std::to_string(port)};
        if (tls) argv.insert(argv.end(), {hosts_->cert_path(), hosts_->key_path()});
        grpc_server_ = spawn_server(argv, dir_ + "/grpcserver.log");
        ASSERT_GT(grpc_server_, 0);
        wait_until_accepting(port, grpc_server_, dir_ + "/grpcserver.log");
    }

    // nghttpd again, in cleartext HTTP/2 with prior knowledge (h2c) on kH2cPort, serving the
    // same files; stopped at TearDown.
    static constexpr int kH2cPort = 8080;
    void start_h2c_server() {
        h2c_server_ = spawn_server({"/usr/sbin/ip", "netns", "exec", hosts_->netns(), kNghttpd, "--no-tls", "-d", www_,
                                    std::to_string(kH2cPort)},
                                   dir_ + "/nghttpd-h2c.log");
        ASSERT_GT(h2c_server_, 0);
        wait_until_accepting(kH2cPort, h2c_server_, dir_ + "/nghttpd-h2c.log");
    }

    void wait_until_accepting(int port, pid_t& server, const std::string& log) {
        for (int i = 0; i < 200; ++i) {
            if (run_command({"/bin/bash", "-c", "exec 3<>/dev/tcp/" + hosts_->v4() + "/" + std::to_string(port)}, 2s)
                    .exit_code == 0)
                return;
            ASSERT_FALSE(server_exited(server)) << "the server exited: " << read_text(log);
            std::this_thread::sleep_for(50ms);
        }
        FAIL() << "the server does not accept on " << hosts_->v4() << ":" << port << ": " << read_text(log);
    }

    // A `watch` that joins an open connection: runs the shell command `client` (its stdout to
    // client_out) until it prints "waiting" and waits for the file `release`; then starts
    // `watch` into watch_out, gives it time to attach and probe, releases the client, and
    // returns once both are done and the client succeeded.
    void watch_joining(const std::string& client, const std::string& release, const std::string& client_out,
                       const std::string& watch_out) {
        std::string command = "exec " + client + " > " + shell_quote(client_out);
        pid_t child = fork();
        if (child == 0) {
            execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
            _exit(127);
        }
        for (int i = 0; i < 400 && read_text(client_out).find("waiting") == std::string::npos; ++i)
            std::this_thread::sleep_for(25ms);
        bool waiting = read_text(client_out).find("waiting") != std::string::npos;
        std::thread watcher;
        if (waiting)
            watcher = std::thread([&] {
                run_egresswatch({"watch", "--quiet", "--out", watch_out, "--duration", "6s"});
            });
        std::this_thread::sleep_for(3s);  // attached, and the client's TLS probed
        std::ofstream(release) << "go\n";
        int status = 0;
        waitpid(child, &status, 0);
        if (watcher.joinable()) watcher.join();
        ASSERT_TRUE(waiting) << read_text(client_out);
        ASSERT_EQ(status, 0) << read_text(client_out);
    }

    std::string url(const std::string& path) const { return "https://secure.test:" + std::to_string(kH2Port) + path; }

    std::vector<json> h2_requests(const std::vector<json>& events) {
        return select(events, "http", [](const json& e) { return e.value("http_version", "") == "2"; });
    }

    // Joined like an HTTP/1 request: its connection's TLS record named the host by SNI.
    void expect_joined(const std::vector<json>& events, const json& request, int port = kH2Port) {
        EXPECT_NE(request["cookie"], 0) << request.dump();
        EXPECT_EQ(request["dport"], port) << request.dump();
        EXPECT_EQ(request["tls"], true);
        auto tls = select(events, "tls", [&](const json& e) { return e["cookie"] == request["cookie"]; });
        ASSERT_EQ(tls.size(), 1u) << "no ClientHello on the request's connection: " << request.dump();
        EXPECT_EQ(tls[0]["sni"], "secure.test");
    }

    std::string www_;
    pid_t server_ = -1, grpc_server_ = -1, h2c_server_ = -1;
};

}  // namespace egresswatch::test
