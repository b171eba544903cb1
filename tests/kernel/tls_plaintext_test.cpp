// HTTPS requests read from TLS libraries' plaintext (uprobes): real clients using OpenSSL
// (curl, python3's _ssl, node with OpenSSL linked in) and GnuTLS (wget) talk to
// NamedTestHosts' HTTPS server under `egresswatch run`. Every request must be reported with
// its method, path, Host and status, as the same process, on the same connection (cookie)
// as its connect and TLS records, with "tls": true and the library's name.
#include "named_hosts_run.h"

using namespace egresswatch::test;

namespace {

class TlsPlaintext : public NamedHostsRun {
protected:
    // The http records a process made over TLS, in order.
    std::vector<json> https_requests(const std::vector<json>& events, const std::string& exe) {
        return select(events, "http", [&](const json& e) { return e.value("exe", "") == exe && e["tls"] == true; });
    }

    // The request joins its connection: the connect record with its cookie names the host,
    // and the TLS record on that cookie carried the same name as SNI.
    void expect_joined(const std::vector<json>& events, const json& request, const std::string& host) {
        EXPECT_NE(request["cookie"], 0) << request.dump();
        EXPECT_EQ(request["dport"], 443) << request.dump();
        EXPECT_TRUE(request["daddr"] == hosts_->v4() || request["daddr"] == hosts_->v6()) << request.dump();
        auto tls = select(events, "tls", [&](const json& e) { return e["cookie"] == request["cookie"]; });
        ASSERT_EQ(tls.size(), 1u) << "no ClientHello on the request's connection: " << request.dump();
        EXPECT_EQ(tls[0]["sni"], host);
        EXPECT_EQ(tls[0]["pid"], request["pid"]);
        if (const json* connect = connect_with_cookie(events, request)) {
            EXPECT_EQ((*connect)["host"], host) << connect->dump();
            EXPECT_EQ((*connect)["pid"], request["pid"]);
        }
    }

    // The process tree: the client was started by the shell egresswatch ran.
    void expect_started_by_shell(const json& request) {
        ASSERT_TRUE(request["ancestry"].is_array()) << request.dump();
        bool shell = false;
        for (const auto& a : request["ancestry"]) shell = shell || a.value("comm", "") == "sh";
        EXPECT_TRUE(shell) << "no shell among the ancestors: " << request["ancestry"].dump();
    }
};

}  // namespace

TEST_F(TlsPlaintext, CurlOpenSslKeepAliveRequestsAreEachReportedInOrder) {
    global_options_ = {"-v"};
    auto events =
        observe("curl -4 -sS -o /dev/null -o /dev/null -o /dev/null --cacert " + cert() +
                " https://secure.test/api/v1/status https://secure.test/missing https://secure.test/pool/a.deb");
    auto requests = https_requests(events, "/usr/bin/curl");
    ASSERT_EQ(requests.size(), 3u) << read_text(out() + "/requests.log");
    const char* paths[] = {"/api/v1/status", "/missing", "/pool/a.deb"};
    const int statuses[] = {200, 404, 200};
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(requests[i]["method"], "GET");
        EXPECT_EQ(requests[i]["path"], paths[i]);
        EXPECT_EQ(requests[i]["status"], statuses[i]);
        EXPECT_EQ(requests[i]["host"], "secure.test");
        EXPECT_EQ(requests[i]["tls_library"], "openssl");
        EXPECT_EQ(requests[i]["cookie"], requests[0]["cookie"]) << "curl reuses one connection";
        expect_joined(events, requests[i], "secure.test");
        expect_started_by_shell(requests[i]);
    }
    EXPECT_EQ(requests[2]["file_type"], "package");

    auto log = request_log(out());
    std::vector<RequestLine> tls_lines;
    for (const auto& l : log)
        if (l.tls) tls_lines.push_back(l);
    ASSERT_EQ(tls_lines.size(), 3u);
    EXPECT_EQ(tls_lines[1].path, "/missing");
    EXPECT_EQ(tls_lines[1].status, "404");
    EXPECT_EQ(tls_lines[1].host, "secure.test");

    auto rep = report();
    const json* missing = endpoint(rep, "secure.test", "GET", "/missing");
    ASSERT_NE(missing, nullptr) << rep.dump(2);
    EXPECT_EQ((*missing)["statuses"], json({{"404", 1}}));
    // The server saw exactly these requests.
    EXPECT_NE(read_text(hosts_->web_log_path()).find(" secure.test GET secure.test /missing 404"), std::string::npos);
    // curl's threads left no TLS call behind them.
    EXPECT_NE(egresswatch_stderr().find("threads in or just after a TLS call: 0"), std::string::npos)
        << egresswatch_stderr();
    // This kernel (6.18) has uprobe_multi; ClassicUprobeLinks covers the other path.
    EXPECT_NE(egresswatch_stderr().find("TLS uprobes: uprobe_multi links"), std::string::npos) << egresswatch_stderr();
}

// Kernels before 6.6 have no uprobe_multi: the same probes as one classic link per function,
// for both libraries, with the attach cookies still telling the functions apart.
TEST_F(TlsPlaintext, ClassicUprobeLinksWhereTheKernelHasNoUprobeMulti) {
    global_options_ = {"-v"};
    setenv("EGRESSWATCH_TEST_CLASSIC_UPROBES", "1", 1);
    auto events = observe("curl -4 -sS -o /dev/null --cacert " + cert() +
                          " https://secure.test/missing; wget -4 -q -O "
                          "/dev/null -T 10 --ca-certificate=" +
                          cert() + " https://mirror.test/api/v1/status");
    unsetenv("EGRESSWATCH_TEST_CLASSIC_UPROBES");
    EXPECT_NE(egresswatch_stderr().find("TLS uprobes: classic links, one per function"), std::string::npos)
        << egresswatch_stderr();
    auto curl = https_requests(events, "/usr/bin/curl");
    ASSERT_EQ(curl.size(), 1u) << read_text(out() + "/requests.log");
    EXPECT_EQ(curl[0]["path"], "/missing");
    EXPECT_EQ(curl[0]["status"], 404);
    EXPECT_EQ(curl[0]["tls_library"], "openssl");
    expect_joined(events, curl[0], "secure.test");
    auto wget = https_requests(events, "/usr/bin/wget");
    ASSERT_EQ(wget.size(), 1u) << read_text(out() + "/requests.log");
    EXPECT_EQ(wget[0]["path"], "/api/v1/status");
    EXPECT_EQ(wget[0]["status"], 200);
    EXPECT_EQ(wget[0]["tls_library"], "gnutls");
    expect_joined(events, wget[0], "mirror.test");
}

TEST_F(TlsPlaintext, WgetGnuTls) {
    auto events =
        observe("wget -4 -q -O /dev/null -T 10 --ca-certificate=" + cert() + " https://mirror.test/api/v1/status");
    auto requests = https_requests(events, "/usr/bin/wget");
    ASSERT_EQ(requests.size(), 1u) << read_text(out() + "/requests.log");
    EXPECT_EQ(requests[0]["tls_library"], "gnutls");
    EXPECT_EQ(requests[0]["method"], "GET");
    EXPECT_EQ(requests[0]["path"], "/api/v1/status");
    EXPECT_EQ(requests[0]["host"], "mirror.test");
    EXPECT_EQ(requests[0]["status"], 200);
    EXPECT_EQ(requests[0]["user_agent"].get<std::string>().rfind("Wget/", 0), 0u);
    expect_joined(events, requests[0], "mirror.test");
    expect_started_by_shell(requests[0]);
}

TEST_F(TlsPlaintext, PythonUrllibOpenSslThroughSslModule) {
    std::string script = file("https_client.py", R"PY(import ssl, sys, urllib.error, urllib.request
ctx = ssl.create_default_context(cafile=sys.argv[1])
urllib.request.urlopen("https://api.test/api/v1/status", timeout=10, context=ctx).read()
try:
    urllib.request.urlopen("https://api.test/missing", timeout=10, context=ctx)
except urllib.error.HTTPError as e:
    assert e.code == 404
)PY");
    auto events = observe("/usr/bin/python3 " + shell_quote(script) + " " + cert());
    auto requests = https_requests(events, "/usr/bin/python3");
    ASSERT_EQ(requests.size(), 2u) << read_text(out() + "/requests.log");
    EXPECT_EQ(requests[0]["path"], "/api/v1/status");
    EXPECT_EQ(requests[0]["status"], 200);
    EXPECT_EQ(requests[1]["path"], "/missing");
    EXPECT_EQ(requests[1]["status"], 404);
    for (const auto& r : requests) {
        EXPECT_EQ(r["tls_library"], "openssl");
        EXPECT_EQ(r["host"], "api.test");
        EXPECT_EQ(r["user_agent"].get<std::string>().rfind("Python-urllib/", 0), 0u);
        expect_joined(events, r, "api.test");
    }
    // urllib opens a connection per request.
    EXPECT_NE(requests[0]["cookie"], requests[1]["cookie"]);
}

TEST_F(TlsPlaintext, NodeHttpsGetWithOpenSslLinkedIn) {
    std::string script = file("https_client.js", R"JS(const https = require("https");
const fs = require("fs");
const ca = fs.readFileSync(process.argv[2]);
const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
function get(path) {
  return new Promise((resolve, reject) => {
    https.get({ host: "secure.test", path, ca, agent, family: 4 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
    }).on("error", reject);
  });
}
(async () => {
  if ((await get("/api/v1/status")) !== 200) process.exit(2);
  if ((await get("/missing")) !== 404) process.exit(3);
  agent.destroy();
})();
)JS");
    global_options_ = {"-v"};
    auto events = observe("node " + shell_quote(script) + " " + cert());
    auto requests = select(events, "http", [](const json& e) { return e["comm"] == "node" && e["tls"] == true; });
    ASSERT_EQ(requests.size(), 2u) << read_text(out() + "/requests.log");
    EXPECT_EQ(requests[0]["path"], "/api/v1/status");
    EXPECT_EQ(requests[0]["status"], 200);
    EXPECT_EQ(requests[1]["path"], "/missing");
    EXPECT_EQ(requests[1]["status"], 404);
    EXPECT_EQ(requests[0]["cookie"], requests[1]["cookie"]) << "one keep-alive connection";
    for (const auto& r : requests) {
        EXPECT_EQ(r["tls_library"], "openssl");
        EXPECT_EQ(r["host"], "secure.test");
        expect_joined(events, r, "secure.test");
    }
    // Each unbound write was joined to its send, or forgotten when its thread exited.
    EXPECT_NE(egresswatch_stderr().find("threads in or just after a TLS call: 0"), std::string::npos)
        << egresswatch_stderr();
}

TEST_F(TlsPlaintext, AWriteIntoMemoryThatIsNeverSentStaysUnjoinedAndIsForgottenWithItsThread) {
    // A client and a server SSLObject over memory BIOs in one thread: the client's request is
    // encrypted into memory and never sent, and the thread exits holding that unbound write.
    std::string script = file("memory_bio.py", R"PY(import ssl, sys, threading
cert, key = sys.argv[1], sys.argv[2]
def worker():
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(cert, key)
    cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cctx.load_verify_locations(cert)
    cin, cout, sin, sout = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
    client = cctx.wrap_bio(cin, cout, server_hostname="secure.test")
    server = sctx.wrap_bio(sin, sout, server_side=True)
    for _ in range(10):
        for side in (client, server):
            try:
                side.do_handshake()
            except ssl.SSLWantReadError:
                pass
        sin.write(cout.read())
        cin.write(sout.read())
    client.write(b"GET /never-sent HTTP/1.1\r\nHost: secure.test\r\n\r\n")
    assert cout.pending > 0
t = threading.Thread(target=worker)
t.start()
t.join()
)PY");
    global_options_ = {"-v"};
    auto events =
        observe("/usr/bin/python3 " + shell_quote(script) + " " + cert() + " " + shell_quote(hosts_->key_path()));
    auto requests = https_requests(events, "/usr/bin/python3");
    ASSERT_EQ(requests.size(), 1u) << read_text(out() + "/requests.log");
    EXPECT_EQ(requests[0]["path"], "/never-sent");
    EXPECT_EQ(requests[0]["cookie"], 0) << "no socket carried it: " << requests[0].dump();
    EXPECT_NE(requests[0]["tid"], requests[0]["pid"]) << "made by the worker thread";
    EXPECT_NE(egresswatch_stderr().find("threads in or just after a TLS call: 0"), std::string::npos)
        << egresswatch_stderr();
}

TEST_F(TlsPlaintext, ALibsslLoadedAfterStartIsCovered) {
    // A private copy of libssl (a file egresswatch did not attach at start), loaded by
    // python's dlopen of _ssl well after the process started.
    std::string libs = dir_ + "/late-libs";
    fs::create_directories(libs);
    fs::copy_file("/usr/lib/x86_64-linux-gnu/libssl.so.3", libs + "/libssl.so.3");
    std::string script = file("late_client.py", R"PY(import sys, time
assert "ssl" not in sys.modules and "_ssl" not in sys.modules
time.sleep(0.5)
import ssl, urllib.request
assert "/late-libs/libssl.so.3" in open("/proc/self/maps").read()
# The library was just mapped: give egresswatch's scan of this process a moment
# (docs/https.md, "Where it can fail", says why a call in the first milliseconds after a
# library appears can be missed).
time.sleep(0.5)
ctx = ssl.create_default_context(cafile=sys.argv[1])
urllib.request.urlopen("https://mirror.test/api/v1/status", timeout=10, context=ctx).read()
)PY");
    global_options_ = {"-v"};
    auto events =
        observe("LD_LIBRARY_PATH=" + shell_quote(libs) + " /usr/bin/python3 -S " + shell_quote(script) + " " + cert());
    auto requests = https_requests(events, "/usr/bin/python3");
    ASSERT_EQ(requests.size(), 1u) << read_text(out() + "/requests.log");
    EXPECT_EQ(requests[0]["path"], "/api/v1/status");
    EXPECT_EQ(requests[0]["status"], 200);
    expect_joined(events, requests[0], "mirror.test");
    EXPECT_NE(egresswatch_stderr().find("late-libs/libssl.so.3 (openssl) attached"), std::string::npos)
        << egresswatch_stderr();
}

TEST_F(TlsPlaintext, LargeBodiesDoNotHideHeadsAndTheBudgetIsCounted) {
    std::string body = dir_ + "/body.bin";
    std::ofstream(body) << std::string(1 << 20, 'b');
    auto events = observe("curl -4 -sS -o /dev/null -o /dev/null -o /dev/null --cacert " + cert() + " --data-binary @" +
                          shell_quote(body) +
                          " https://mirror.test/api/v1/echo"
                          " --next -sS -o /dev/null --cacert " +
                          cert() +
                          " https://mirror.test/big.iso"
                          " --next -sS -o /dev/null --cacert " +
                          cert() + " https://mirror.test/api/v1/status");
    auto requests = https_requests(events, "/usr/bin/curl");
    ASSERT_EQ(requests.size(), 3u) << read_text(out() + "/requests.log");
    EXPECT_EQ(requests[0]["method"], "POST");
    EXPECT_EQ(requests[0]["request_bytes"], 1 << 20);
    EXPECT_EQ(requests[0]["status"], 200);
    EXPECT_EQ(requests[1]["path"], "/big.iso");
    EXPECT_EQ(requests[1]["response_bytes"], 2 * 1024 * 1024);
    EXPECT_EQ(requests[2]["path"], "/api/v1/status");
    EXPECT_EQ(requests[2]["status"], 200);

    // With a budget of two heads per connection only the first request is read; the two
    // after it (four heads) are counted, not silently missed.
    auto limited = observe("curl -4 -sS -o /dev/null -o /dev/null -o /dev/null --cacert " + cert() +
                               " https://secure.test/api/v1/status https://secure.test/missing"
                               " https://secure.test/api/v1/status",
                           {"--http-head-burst", "2", "--http-heads-per-sec", "0"});
    EXPECT_EQ(https_requests(limited, "/usr/bin/curl").size(), 1u);
    auto rep = report();
    EXPECT_EQ(rep["counters"]["lost"]["reasons"]["http_heads_over_budget"], 4) << rep["counters"].dump();
}

TEST_F(TlsPlaintext, NoTlsKeepsTheSniNameAndReadsNoPlaintext) {
    auto events =
        observe("curl -4 -sS -o /dev/null --cacert " + cert() + " https://secure.test/api/v1/status", {"--no-tls"});
    EXPECT_TRUE(https_requests(events, "/usr/bin/curl").empty());
    auto tls = select(events, "tls", by_exe("/usr/bin/curl"));
    ASSERT_EQ(tls.size(), 1u);
    EXPECT_EQ(tls[0]["sni"], "secure.test");
    auto start = select(events, "start", [](const json&) { return true; });
    ASSERT_EQ(start.size(), 1u);
    EXPECT_FALSE(start[0]["kernel_features"].contains("tls_plaintext")) << start[0].dump();
}
