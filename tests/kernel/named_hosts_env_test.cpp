// NamedTestHosts on its own, without egresswatch: real clients (dig, curl, python3, wget) in
// the root network namespace resolve the test names through the fixture's dnsmasq and reach
// its HTTP and HTTPS servers. If these fail, the names tests cannot mean anything.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "kernel_env.h"
#include "named_hosts.h"
#include "test_network.h"

using namespace egresswatch::test;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> words_of(const std::string& line) {
    std::vector<std::string> words;
    std::istringstream in(line);
    std::string w;
    while (in >> w) words.push_back(w);
    return words;
}

class NamedHosts : public ::testing::Test {
protected:
    void SetUp() override {
        EW_REQUIRE_NAMED_HOSTS();
        hosts_ = std::make_unique<NamedTestHosts>();
        ASSERT_TRUE(hosts_->ready()) << hosts_->error();
    }
    void TearDown() override { hosts_.reset(); }

    // Runs a shell command in the root network namespace with the fixture's resolver.
    CommandResult run(const std::string& command) {
        return sh(hosts_->with_resolver(command), std::chrono::seconds(60));
    }
    std::string cert() const { return shell_quote(hosts_->cert_path()); }
    std::vector<std::string> web_log() const { return lines_of(read_text(hosts_->web_log_path())); }

    std::unique_ptr<NamedTestHosts> hosts_;
};

}  // namespace

TEST_F(NamedHosts, AddressesAreFromTheTestRangesAndDistinctFromTestNetwork) {
    EXPECT_EQ(hosts_->v4().rfind("198.19.", 0), 0u) << hosts_->v4();
    EXPECT_EQ(hosts_->v6().rfind("fd00:ea:", 0), 0u) << hosts_->v6();
    // The resolver has an address of its own, answering over both families.
    EXPECT_NE(hosts_->dns_server(), hosts_->v4());
    EXPECT_NE(hosts_->dns_server_v6(), hosts_->v6());
    auto over_v6 = run("dig +short @" + hosts_->dns_server_v6() + " mirror.test");
    EXPECT_EQ(over_v6.out, hosts_->v4() + "\n") << over_v6.err;
    TestNetwork other;
    ASSERT_TRUE(other.ready()) << other.error();
    EXPECT_NE(other.v4(), hosts_->v4());
    NamedTestHosts second;
    ASSERT_TRUE(second.ready()) << second.error();
    EXPECT_NE(second.v4(), hosts_->v4());
    EXPECT_NE(second.v6(), hosts_->v6());
    EXPECT_NE(second.netns(), hosts_->netns());
    // Each instance answers with its own addresses.
    auto r = sh(second.with_resolver("dig +short mirror.test"));
    EXPECT_EQ(r.out, second.v4() + "\n") << r.err;
}

TEST_F(NamedHosts, TheMachinesResolverFilesAreUntouched) {
    std::string before = read_text("/etc/resolv.conf");
    auto r = run("cat /etc/resolv.conf");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("nameserver " + hosts_->dns_server() + "\n"), std::string::npos) << r.out;
    EXPECT_EQ(read_text("/etc/resolv.conf"), before) << "the bind mount leaked into the machine's namespace";
    EXPECT_EQ(before.find(hosts_->dns_server()), std::string::npos);
    auto nss = run("grep '^hosts:' /etc/nsswitch.conf");
    EXPECT_EQ(nss.out, "hosts: files dns\n");
}

TEST_F(NamedHosts, DigOverUdpGivesTheAddresses) {
    auto a = run("dig +short mirror.test");
    ASSERT_EQ(a.exit_code, 0) << a.err;
    EXPECT_EQ(a.out, hosts_->v4() + "\n");
    auto aaaa = run("dig +short mirror.test AAAA");
    EXPECT_EQ(aaaa.out, hosts_->v6() + "\n");
    // Two names, one address.
    EXPECT_EQ(run("dig +short secure.test").out, hosts_->v4() + "\n");
    EXPECT_EQ(run("dig +short secure.test AAAA").out, hosts_->v6() + "\n");
    EXPECT_EQ(run("dig +short api.test").out, hosts_->v4() + "\n");
    EXPECT_EQ(run("dig +short api.test AAAA").out, "");
    // TTLs are the fixture's, not zero.
    auto ttl = run("dig +noall +answer mirror.test");
    auto words = words_of(ttl.out);
    ASSERT_GE(words.size(), 5u) << ttl.out;
    EXPECT_EQ(words[1], std::to_string(NamedTestHosts::kTtl));
    // The queries went to the fixture's dnsmasq, over the veth from the root namespace.
    std::string log = read_text(hosts_->dns_log_path());
    EXPECT_NE(log.find("query[A] mirror.test from " + hosts_->gateway_v4()), std::string::npos) << log;
}

TEST_F(NamedHosts, DigOverTcpFollowsTheCnameChain) {
    auto r = run("dig +tcp +short www.mirror.test");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "cdn.mirror.test.\nmirror.test.\n" + hosts_->v4() + "\n");
    auto full = run("dig +tcp +noall +answer www.mirror.test AAAA");
    auto answers = lines_of(full.out);
    ASSERT_EQ(answers.size(), 3u) << full.out;
    EXPECT_EQ(words_of(answers[0])[3], "CNAME");
    EXPECT_EQ(words_of(answers[0])[4], "cdn.mirror.test.");
    EXPECT_EQ(words_of(answers[1])[4], "mirror.test.");
    EXPECT_EQ(words_of(answers[2])[3], "AAAA");
    EXPECT_EQ(words_of(answers[2])[4], hosts_->v6());
}

TEST_F(NamedHosts, OtherNamesAreNxdomainAndNeverForwarded) {
    for (const char* name : {"nope.test", "mirror.test.example", "example.com", "localhost.localdomain"}) {
        auto r = run(std::string("dig ") + name);
        EXPECT_NE(r.out.find("status: NXDOMAIN"), std::string::npos) << name << ":\n" << r.out;
    }
    auto curl = run("curl -sS -m 10 http://nope.test/");
    EXPECT_EQ(curl.exit_code, 6) << "curl should not resolve nope.test: " << curl.out << curl.err;
}

TEST_F(NamedHosts, CurlFetchesThePackage) {
    std::string out = hosts_->dir() + "/x.deb";
    auto r = run("curl -sS -m 20 -o " + shell_quote(out) +
                 " -w '%{http_code} %{size_download} %{content_type}' "
                 "http://mirror.test/pool/main/x/x_1.0_amd64.deb");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "200 6144 application/vnd.debian.binary-package");
    EXPECT_EQ(fs::file_size(out), static_cast<std::uintmax_t>(NamedTestHosts::kDebBytes));
    auto log = web_log();
    ASSERT_EQ(log.size(), 1u);
    auto w = words_of(log[0]);
    ASSERT_EQ(w.size(), 9u) << log[0];
    EXPECT_EQ(w[0], "http");
    EXPECT_EQ(w[4], "GET");
    EXPECT_EQ(w[5], "mirror.test");
    EXPECT_EQ(w[6], NamedTestHosts::kDebPath);
    EXPECT_EQ(w[7], "200");
}

TEST_F(NamedHosts, CurlOverBothFamilies) {
    auto v4 = run("curl -4 -sS -m 10 -w ' %{remote_ip}' http://mirror.test/");
    ASSERT_EQ(v4.exit_code, 0) << v4.err;
    EXPECT_NE(v4.out.find("hello from mirror.test"), std::string::npos) << v4.out;
    EXPECT_NE(v4.out.find(" " + hosts_->v4()), std::string::npos) << v4.out;
    auto v6 = run("curl -6 -sS -m 10 -w ' %{remote_ip}' http://mirror.test/");
    ASSERT_EQ(v6.exit_code, 0) << v6.err;
    EXPECT_NE(v6.out.find(" " + hosts_->v6()), std::string::npos) << v6.out;
}

TEST_F(NamedHosts, CurlHttpsSendsSniAndGetsAlpnHttp11) {
    auto r = run("curl -sS -v -m 20 --cacert " + cert() + " https://secure.test/");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("host=secure.test\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("tls=yes\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("sni=secure.test\n"), std::string::npos) << "the server saw no SNI secure.test:\n" << r.out;
    EXPECT_NE(r.err.find("ALPN: server accepted http/1.1"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("subjectAltName: host \"secure.test\" matched"), std::string::npos) << r.err;
    auto log = web_log();
    ASSERT_EQ(log.size(), 1u);
    auto w = words_of(log[0]);
    ASSERT_EQ(w.size(), 9u) << log[0];
    EXPECT_EQ(w[0], "https");
    EXPECT_EQ(w[3], "secure.test");  // SNI
    EXPECT_EQ(w[5], "secure.test");  // Host
    // Without the CA the certificate is refused: the check is real.
    auto untrusted = run("curl -sS -m 20 https://secure.test/");
    EXPECT_EQ(untrusted.exit_code, 60) << untrusted.err;
}

TEST_F(NamedHosts, TwoNamesOnOneAddressAreTwoVirtualHosts) {
    auto mirror = run("curl -4 -sS -m 10 http://mirror.test/");
    auto secure = run("curl -4 -sS -m 10 http://secure.test/");
    ASSERT_EQ(mirror.exit_code, 0) << mirror.err;
    ASSERT_EQ(secure.exit_code, 0) << secure.err;
    EXPECT_NE(mirror.out.find("hello from mirror.test"), std::string::npos) << mirror.out;
    EXPECT_EQ(secure.out, "secure-plain");
    auto https_api = run("curl -4 -sS -m 10 --cacert " + cert() + " https://api.test/");
    EXPECT_NE(https_api.out.find("sni=api.test"), std::string::npos) << https_api.out << https_api.err;
}

TEST_F(NamedHosts, PythonUrllibOverHttpAndHttps) {
    std::string script = hosts_->dir() + "/client.py";
    std::ofstream(script) << R"PY(import ssl, sys, urllib.request
ctx = ssl.create_default_context(cafile=sys.argv[1])
with urllib.request.urlopen("http://mirror.test/api/v1/status", timeout=10) as r:
    print(r.status, r.read().decode())
with urllib.request.urlopen("https://secure.test/", timeout=10, context=ctx) as r:
    print(r.status, r.read().decode().splitlines()[0])
try:
    urllib.request.urlopen("http://mirror.test/missing", timeout=10)
except urllib.error.HTTPError as e:
    print(e.code)
)PY";
    auto r = run("/usr/bin/python3 " + shell_quote(script) + " " + cert());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "200 {\"status\": \"ok\", \"host\": \"mirror.test\"}\n200 hello from secure.test\n404\n");
}

TEST_F(NamedHosts, WgetOverHttps) {
    auto r = run("wget -qO- -T 10 --ca-certificate=" + cert() + " https://mirror.test/api/v1/status");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "{\"status\": \"ok\", \"host\": \"mirror.test\"}");
    auto untrusted = run("wget -qO- -T 10 https://mirror.test/api/v1/status");
    EXPECT_NE(untrusted.exit_code, 0);
}

TEST_F(NamedHosts, KeepAliveServesTwoRequestsOnOneConnection) {
    auto r = run("curl -4 -sS -v -m 20 -o /dev/null -o /dev/null -w '%{http_code} %{num_connects}\\n' "
                 "http://mirror.test/api/v1/status http://mirror.test/missing");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "200 1\n404 0\n");
    EXPECT_NE(r.err.find("Re-using existing connection"), std::string::npos) << r.err;
    auto log = web_log();
    ASSERT_EQ(log.size(), 2u);
    auto first = words_of(log[0]), second = words_of(log[1]);
    ASSERT_EQ(first.size(), 9u);
    ASSERT_EQ(second.size(), 9u);
    EXPECT_EQ(first[2], second[2]) << "not the same client port, so not the same connection:\n"
                                   << log[0] << "\n"
                                   << log[1];
    EXPECT_EQ(first[6], "/api/v1/status");
    EXPECT_EQ(first[7], "200");
    EXPECT_EQ(second[6], "/missing");
    EXPECT_EQ(second[7], "404");
}

TEST_F(NamedHosts, BigResponseHasItsLength) {
    auto r = run("curl -sS -m 30 -D - -o /dev/null -w '%{size_download}' http://mirror.test/big.iso");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("Content-Length: 2097152\r\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\r\n\r\n2097152"), std::string::npos) << r.out;
}

TEST_F(NamedHosts, QueryStringsAndHeadersAreAccepted) {
    auto r = run("curl -sS -m 10 -H 'Authorization: Bearer hunter2' -w ' %{http_code}' "
                 "'http://api.test/api/v1/status?token=secret&x=1'");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "{\"status\": \"ok\", \"host\": \"api.test\"} 200");
}

TEST(NamedHostsTeardown, NothingIsLeftBehind) {
    EW_REQUIRE_NAMED_HOSTS();
    std::string ns, dir, v4, dns;
    {
        NamedTestHosts hosts;
        ASSERT_TRUE(hosts.ready()) << hosts.error();
        ns = hosts.netns();
        dir = hosts.dir();
        v4 = hosts.v4();
        dns = hosts.dns_server();
        auto running = sh("ps -eo args | grep -F -- '--listen-address=" + dns + "' | grep -v grep");
        ASSERT_NE(running.out, "") << "dnsmasq not found while the fixture lives: the check below means nothing";
        ASSERT_TRUE(fs::exists("/run/netns/" + ns));
    }
    EXPECT_FALSE(fs::exists("/run/netns/" + ns)) << ns << " was left behind";
    EXPECT_FALSE(fs::exists(dir)) << dir << " was left behind";
    auto addr = sh("ip -o addr show to " + v4.substr(0, v4.rfind('.')) + ".0/24");
    EXPECT_EQ(addr.out, "") << "the veth pair was left behind";
    auto procs = sh("ps -eo args | grep -F -- '--listen-address=" + dns + "' | grep -v grep");
    EXPECT_EQ(procs.out, "") << "dnsmasq was left running";
    auto web = sh("ps -eo args | grep -F web_server.py | grep -F -- '" + dir + "' | grep -v grep");
    EXPECT_EQ(web.out, "") << "web_server.py was left running";
}
