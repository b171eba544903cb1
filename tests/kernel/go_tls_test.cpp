// Go's crypto/tls, probed at the entry and every return of (*Conn).Write and Read: real Go
// clients built here with Debian's Go (tests/testprogs/go_https_client.go, go_grpc_client.go)
// against nghttpd (HTTP/2), web_server.py (HTTP/1.1) and grpc-go's health server, all in the
// test hosts' namespace. Each request must be read, as "tls_library": "go", and joined to its
// own connection: by goroutine, not by thread, and through the connection's file descriptor.
#include <sys/wait.h>

#include <filesystem>
#include <map>
#include <regex>

#include "h2_server_run.h"

using namespace egresswatch::test;
using namespace std::chrono_literals;

namespace {

class GoTls : public H2ServerRun {
protected:
    void SetUp() override {
        H2ServerRun::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        ASSERT_EQ(access("/usr/bin/go", X_OK), 0) << "run scripts/install-deps.sh (golang-go)";
    }

    // The test client, built with `extra` flags (cached by name).
    std::string client(const std::string& name = "goclient", const std::vector<std::string>& extra = {}) {
        std::string binary = dir_ + "/" + name;
        if (access(binary.c_str(), X_OK) == 0) return binary;
        auto build = go_build(std::string(TESTPROGS_DIR) + "/go_https_client.go", binary, extra);
        EXPECT_EQ(build.exit_code, 0) << build.out << build.err;
        return binary;
    }

    std::vector<std::string> client_argv(const std::string& binary, int port = kH2Port) {
        return {binary, "-cacert", hosts_->cert_path(), "-connect-to", connect_to(port)};
    }

    static std::vector<json> go_requests(const std::vector<json>& events) {
        return select(events, "http", [](const json& e) { return e.value("tls_library", "") == "go"; });
    }

    // Three requests on one connection, read from Go's crypto/tls, in order.
    void expect_three_h2_requests(const std::vector<json>& events, const std::string& exe) {
        auto requests = go_requests(events);
        ASSERT_EQ(requests.size(), 3u) << read_text(out() + "/requests.log") << egresswatch_stderr()
                                       << read_text(out() + "/events.jsonl");
        const char* paths[] = {"/api/v1/status", "/missing", kDebPath};
        const int statuses[] = {200, 404, 200};
        for (std::size_t i = 0; i < 3; ++i) {
            SCOPED_TRACE(paths[i]);
            EXPECT_EQ(requests[i]["http_version"], "2") << requests[i].dump();
            EXPECT_EQ(requests[i]["method"], "GET");
            EXPECT_EQ(requests[i]["path"], paths[i]);
            EXPECT_EQ(requests[i]["status"], statuses[i]);
            EXPECT_EQ(requests[i]["host"], "secure.test");
            EXPECT_EQ(requests[i]["exe"], exe);
            EXPECT_EQ(requests[i]["user_agent"], "Go-http-client/2.0");
            EXPECT_GT(requests[i]["response_time_ms"].get<double>(), 0.0) << requests[i].dump();
            EXPECT_FALSE(requests[i].contains("hpack_desync")) << requests[i].dump();
            EXPECT_EQ(requests[i]["cookie"], requests[0]["cookie"]) << "one connection";
            expect_joined(events, requests[i]);
        }
        EXPECT_EQ(requests[2]["response_bytes"], kDebBytes);
        EXPECT_EQ(requests[2]["file_type"], "package");
        auto ends = select(events, "tls_end", [&](const json& e) { return e["cookie"] == requests[0]["cookie"]; });
        ASSERT_EQ(ends.size(), 1u);
        EXPECT_EQ(ends[0]["requests"], 3) << ends[0].dump();
        EXPECT_EQ(ends[0]["library"], "go") << ends[0].dump();
        auto rep = report();
        EXPECT_EQ(rep["counters"]["lost"]["total"], 0) << rep["counters"].dump();
    }
};

}  // namespace

// net/http speaks HTTP/2 by default: three requests on one kept connection.
TEST_F(GoTls, TheDefaultClientIsHttp2AndEveryRequestIsRead) {
    std::string binary = client();
    auto argv = client_argv(binary);
    for (const char* path : {"/api/v1/status", "/missing", kDebPath}) argv.push_back(url(path));
    auto events = observe_argv(argv);
    EXPECT_EQ(command_out(), "/api/v1/status 200\n/missing 404\n" + std::string(kDebPath) + " 200\n");
    expect_three_h2_requests(events, binary);
}

// GODEBUG=http2client=0 turns HTTP/2 off: the same requests, as HTTP/1.1 (web_server.py on 443).
TEST_F(GoTls, WithHttp2OffTheRequestsAreHttp11) {
    std::string binary = client();
    auto argv = client_argv(binary, NamedTestHosts::kHttpsPort);
    for (const char* path : {"/api/v1/status", "/missing", "/api/v1/status"})
        argv.push_back(std::string("https://secure.test") + path);
    setenv("GODEBUG", "http2client=0", 1);
    auto events = observe_argv(argv);
    unsetenv("GODEBUG");
    auto requests = go_requests(events);
    ASSERT_EQ(requests.size(), 3u) << read_text(out() + "/requests.log") << egresswatch_stderr()
                                   << read_text(out() + "/events.jsonl");
    const int statuses[] = {200, 404, 200};
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(requests[i]["http_version"], "1.1") << requests[i].dump();
        EXPECT_EQ(requests[i]["status"], statuses[i]) << requests[i].dump();
        EXPECT_EQ(requests[i]["user_agent"], "Go-http-client/1.1");
        EXPECT_EQ(requests[i]["cookie"], requests[0]["cookie"]) << "keep-alive";
        expect_joined(events, requests[i], NamedTestHosts::kHttpsPort);
    }
}

// Without a symbol table (-s -w) the functions are found in .gopclntab; a position-independent
// executable is probed at the same file offsets.
TEST_F(GoTls, StrippedAndPieClientsAreProbed) {
    for (const auto& [name, extra] : {std::pair<std::string, std::vector<std::string>>{"stripped", {"-ldflags=-s -w"}},
                                      std::pair<std::string, std::vector<std::string>>{"pie", {"-buildmode=pie"}}}) {
        SCOPED_TRACE(name);
        std::string binary = client(name, extra);
        auto argv = client_argv(binary);
        for (const char* path : {"/api/v1/status", "/missing", kDebPath}) argv.push_back(url(path));
        auto events = observe_argv(argv);
        expect_three_h2_requests(events, binary);
    }
}

// Streams multiplexed on one connection by concurrent goroutines: each its own record.
TEST_F(GoTls, ConcurrentRequestsOnOneConnectionAreEachRead) {
    std::string binary = client();
    auto argv = client_argv(binary);
    argv.push_back("-parallel");
    for (const char* path : {"/api/v1/status", "/missing", "/big.bin", kDebPath, "/missing2", "/api/v1/status"})
        argv.push_back(url(path));
    auto events = observe_argv(argv);
    auto requests = go_requests(events);
    ASSERT_EQ(requests.size(), 6u) << read_text(out() + "/requests.log");
    std::multiset<std::string> seen;
    for (const json& r : requests) {
        seen.insert(r["path"].get<std::string>() + " " + std::to_string(r["status"].get<int>()));
        EXPECT_EQ(r["cookie"], requests[0]["cookie"]);
    }
    EXPECT_EQ(seen, (std::multiset<std::string>{"/api/v1/status 200", "/api/v1/status 200", "/missing 404",
                                                "/big.bin 200", std::string(kDebPath) + " 200", "/missing2 404"}));
    for (const json& r : requests)
        if (r["path"] == "/big.bin") EXPECT_EQ(r["response_bytes"], kBigBytes);
}

// A goroutine parked in Read resumes on whichever thread is free, while other goroutines run on
// the one it left. Four connections at once, with busy goroutines on every thread: the client
// counts the reads that returned on another thread, and every request must still be joined to
// its own connection (each connection's paths begin with its number).
TEST_F(GoTls, AGoroutineMovedBetweenThreadsMidCallIsJoinedRight) {
    std::string binary = client();
    auto argv = client_argv(binary, NamedTestHosts::kHttpsPort);
    for (const std::string& a : {"-raw", "4"}) argv.push_back(a);
    for (const char* path : {"/a", "/b", "/c", "/d", "/e"}) argv.push_back(std::string("https://secure.test") + path);
    auto events = observe_argv(argv);
    std::smatch m;
    ASSERT_TRUE(std::regex_search(command_out(), m, std::regex("reads=(\\d+) moved=(\\d+)"))) << command_out();
    EXPECT_GT(std::stoi(m[2]), 0) << "no read returned on another thread: the test proves nothing; " << m[0];
    auto requests = go_requests(events);
    ASSERT_EQ(requests.size(), 20u) << read_text(out() + "/requests.log");
    std::map<std::string, std::set<std::uint64_t>> cookies_of;  // connection -> cookies
    for (const json& r : requests) {
        std::string path = r["path"];
        ASSERT_EQ(path.rfind("/c", 0), 0u) << r.dump();
        cookies_of[path.substr(0, 3)].insert(r["cookie"].get<std::uint64_t>());
        EXPECT_EQ(r["user_agent"], "go-raw-client");
        EXPECT_EQ(r["status"], 404) << r.dump();
        expect_joined(events, r, NamedTestHosts::kHttpsPort);
    }
    ASSERT_EQ(cookies_of.size(), 4u);
    std::set<std::uint64_t> all;
    for (const auto& [connection, cookies] : cookies_of) {
        EXPECT_EQ(cookies.size(), 1u) << connection << "'s requests are on one connection";
        all.insert(cookies.begin(), cookies.end());
    }
    EXPECT_EQ(all.size(), 4u) << "each connection its own";
}

// gRPC from grpc-go: each call a request with its method path and grpc-status.
TEST_F(GoTls, GrpcCallsFromGoCarryTheirMethodAndStatus) {
    start_grpc_server();
    if (HasFatalFailure()) return;
    std::string binary = dir_ + "/grpcclient";
    auto build = go_build(std::string(TESTPROGS_DIR) + "/go_grpc_client.go", binary);
    ASSERT_EQ(build.exit_code, 0) << "needs golang-google-grpc-dev: " << build.out << build.err;
    std::vector<std::string> argv{binary, hosts_->cert_path(), "secure.test:" + std::to_string(kGrpcPort),
                                  hosts_->v4() + ":" + std::to_string(kGrpcPort)};
    argv.insert(argv.end(), kHealthCalls.begin(), kHealthCalls.end());
    auto events = observe_argv(argv);
    EXPECT_EQ(command_out(), kHealthCallsOut);
    auto calls = go_requests(events);
    expect_health_calls(calls);
    if (HasFatalFailure()) return;
    for (const json& call : calls) expect_joined(events, call, kGrpcPort);
}

// A Go program that a script starts is held at its exec until its file is examined and probed:
// its first request, made at once, is read. Without the hold, 1 run in 20 was.
TEST_F(GoTls, AGoProgramStartedByAScriptIsReadFromItsFirstRequest) {
    std::string binary = client();
    std::string command;
    auto argv = client_argv(binary);
    for (const std::string& a : {url("/api/v1/status"), url("/missing"), url(kDebPath)}) argv.push_back(a);
    for (const std::string& a : argv) command += shell_quote(a) + " ";
    for (int run = 0; run < 3; ++run) {
        SCOPED_TRACE(run);
        auto events = observe(command);
        expect_three_h2_requests(events, binary);
    }
}

// A job-control shell puts each job in a process group of its own and would see a stop: its
// jobs are not held, and the shell runs on as without egresswatch.
TEST_F(GoTls, AJobControlShellsJobsAreNotHeld) {
    std::string binary = client();
    std::string command = "set -m; ";
    auto argv = client_argv(binary);
    argv.push_back(url("/api/v1/status"));
    for (const std::string& a : argv) command += shell_quote(a) + " ";
    command += "; echo shell-done";
    auto r = run_egresswatch({"run", "--quiet", "--out", dir_ + "/jobs", "--", "/bin/sh", "-c", command}, 60s);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(r.out, "/api/v1/status 200\nshell-done\n") << r.err;
}

// The hold is a stop its parent can see (waitpid with WUNTRACED), which is why job-control
// shells are left alone; `--no-hold` turns it off for a workload that must never see one.
TEST_F(GoTls, TheHoldIsAStopTheParentSeesAndNoHoldTurnsItOff) {
    std::string parent = file("parent.py", R"PY(import os
pid = os.fork()
if pid == 0:
    os.execv("/usr/bin/env", ["env", "true"])
_, status = os.waitpid(pid, os.WUNTRACED)
print("stopped" if os.WIFSTOPPED(status) else "exited", flush=True)
if os.WIFSTOPPED(status):
    os.waitpid(pid, 0)
)PY");
    for (bool hold : {true, false}) {
        SCOPED_TRACE(hold ? "run" : "run --no-hold");
        std::vector<std::string> args{"run", "--quiet", "--out", dir_ + "/hold"};
        if (!hold) args.push_back("--no-hold");
        for (const std::string& a : {std::string("--"), std::string("/usr/bin/python3"), parent}) args.push_back(a);
        auto r = run_egresswatch(args, 60s);
        EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
        EXPECT_EQ(r.out, hold ? "stopped\n" : "exited\n") << r.err;
    }
}

// `watch` started while a Go client holds its HTTP/2 connection open: the requests after the start
// are read, and where they refer to header table entries made before it, they say hpack_desync.
TEST_F(GoTls, WatchJoiningAGoClientsOpenConnectionMarksWhatItCannotDecode) {
    std::string binary = client();
    std::string go = dir_ + "/go";
    std::string client_out = dir_ + "/client.out";
    auto argv = client_argv(binary);
    for (const std::string& a :
         {std::string("-wait-for"), go, url("/api/v1/status"), url("/api/v1/status"), url("/missing")})
        argv.push_back(a);
    std::string command;
    for (const std::string& a : argv) command += shell_quote(a) + " ";
    std::string watch_out = dir_ + "/watch";
    watch_joining(command, go, client_out, watch_out);
    if (HasFatalFailure()) return;
    ASSERT_NE(read_text(client_out).find("/missing 404"), std::string::npos) << read_text(client_out);

    auto requests = go_requests(read_events(watch_out));
    ASSERT_EQ(requests.size(), 2u) << read_text(watch_out + "/requests.log");
    for (const json& r : requests) {
        EXPECT_EQ(r["method"], "GET") << r.dump();
        EXPECT_TRUE(r.value("hpack_desync", false)) << ":authority was indexed before the watch: " << r.dump();
    }
    // In the order they finished: the first request after the start was answered in a read that
    // began before it (Go's reading goroutine was already waiting), so it ends unanswered.
    const json* unknown_path = nullptr;
    const json* missing = nullptr;
    for (const json& r : requests) {
        if (r["path"].is_null()) unknown_path = &r;
        if (r["path"] == "/missing") missing = &r;
    }
    ASSERT_TRUE(unknown_path) << "/api/v1/status was indexed before the watch: " << requests[0].dump();
    ASSERT_TRUE(missing) << "a path never sent before is decoded: " << requests[1].dump();
    EXPECT_EQ((*missing)["status"], 404) << missing->dump();
    auto rep = json::parse(read_text(watch_out + "/report.json"));
    EXPECT_EQ(rep["counters"]["events"].value("http_hpack_desync", 0), 2) << rep["counters"].dump();
}

// A Go binary whose function table cannot be read (renamed, as a packer might leave it) runs as
// before; its connection says why its requests are not visible, and so does the summary.
// Capstone is loaded when the first Go program is probed. Hidden from egresswatch (an empty file
// over it, in a mount namespace of its own), the Go client's requests are not visible, and the
// warning says why and what to install; everything else is recorded as ever.
TEST_F(GoTls, WithoutCapstoneTheWarningSaysWhatToInstall) {
    const std::string library = "/usr/lib/x86_64-linux-gnu/libcapstone.so.4";
    ASSERT_TRUE(std::filesystem::exists(library)) << "scripts/install-deps.sh installs libcapstone-dev";
    prefix_ = {"/usr/bin/unshare",
               "--mount",
               "--propagation",
               "private",
               "/bin/sh",
               "-c",
               "mount --bind /dev/null " + library + " && exec \"$0\" \"$@\""};
    std::string binary = client();
    auto argv = client_argv(binary);
    argv.push_back(url("/api/v1/status"));
    auto events = observe_argv(argv);
    EXPECT_EQ(command_out(), "/api/v1/status 200\n");
    EXPECT_TRUE(go_requests(events).empty());
    EXPECT_NE(egresswatch_stderr().find("HTTPS requests of " + binary +
                                        " are not visible: a Go program, cannot load libcapstone.so.4 ("),
              std::string::npos)
        << egresswatch_stderr();
    EXPECT_NE(egresswatch_stderr().find("): install libcapstone4 to probe Go programs' TLS"), std::string::npos)
        << egresswatch_stderr();
    EXPECT_EQ(select(events, "tls", [](const json& e) { return e["sni"] == "secure.test"; }).size(), 1u);
}

TEST_F(GoTls, AnUnprobableGoClientSaysItsRequestsAreNotVisible) {
    std::string stripped = client("stripped", {"-ldflags=-s -w"});
    std::string binary = dir_ + "/unprobable";
    auto copy = run_command({"/usr/bin/objcopy", "--rename-section", ".gopclntab=.gopcXXtab", stripped, binary});
    ASSERT_EQ(copy.exit_code, 0) << copy.err;
    auto argv = client_argv(binary);
    for (const char* path : {"/api/v1/status", "/missing"}) argv.push_back(url(path));
    auto events = observe_argv(argv);
    EXPECT_EQ(command_out(), "/api/v1/status 200\n/missing 404\n");
    EXPECT_TRUE(go_requests(events).empty());
    auto ends = select(events, "tls_end", [](const json& e) { return e["comm"] == "unprobable"; });
    ASSERT_EQ(ends.size(), 1u) << "one connection, reused";
    EXPECT_EQ(ends[0]["requests"], 0);
    EXPECT_EQ(ends[0]["requests_visible"], false);
    EXPECT_EQ(ends[0]["reason"], "not-probed: go") << ends[0].dump();
    EXPECT_EQ(ends[0]["sni"], "secure.test");
    EXPECT_NE(egresswatch_stderr().find("HTTPS requests of " + binary + " are not visible"), std::string::npos)
        << egresswatch_stderr();
    EXPECT_EQ(report()["summary"]["https_requests_not_visible"].value("not-probed: go", 0), 1);

    auto summary = run_egresswatch({"report", out() + "/events.jsonl", "--out", dir_ + "/again"});
    ASSERT_EQ(summary.exit_code, 0) << summary.err;
    EXPECT_NE((summary.out + summary.err).find("1 HTTPS connection from " + binary + ": requests not visible (Go's"),
              std::string::npos)
        << summary.out << summary.err;
}
