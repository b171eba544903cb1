#pragma once
// Test hosts with names: one network namespace test host, reachable from the root namespace
// over a veth pair, with a web address (v4(), v6()) and a DNS address of its own
// (dns_server(), dns_server_v6(): a resolver is rarely the web server, and a connect to the
// resolver must not be mistaken for one to a named host), running
//   - dnsmasq on port 53 of the DNS address (UDP and TCP, IPv4 and IPv6), answering only
//       mirror.test      A v4(), AAAA v6()
//       secure.test      A v4(), AAAA v6()      (two names on one address: virtual hosts)
//       api.test         A v4()
//       www.mirror.test  CNAME cdn.mirror.test, cdn.mirror.test CNAME mirror.test
//     and NXDOMAIN for every other name; TTL kTtl; every query logged to dns_log_path();
//   - an HTTP/1.1 server on port 80 and an HTTPS server on 443 (tests/testprogs/web_server.py,
//     keep-alive, Content-Length on every response, ALPN http/1.1, routes by Host and path,
//     one line per request in web_log_path()), with a self-signed certificate for all three
//     names made at set-up (cert_path() is also the CA to trust).
// Clients stay in the root network namespace; with_resolver() wraps a shell command so that
// it resolves names through that dnsmasq (a private mount namespace with its own
// /etc/resolv.conf, nsswitch.conf and hosts), without touching the machine's files.
// Addresses: 198.19.N.0/24 and fd00:ea:N::/64 (TestNetwork uses 198.18.N and fd00:e9:N, so
// both can coexist); N is held by a lock file for the fixture's life, so parallel test
// binaries never share a subnet: .2 and ::2 are the web address, .53 and ::53 the DNS one,
// .1 and ::1 the root namespace's end. Everything is torn down on destruction, also after a
// set-up that failed halfway; the servers die with the thread that made the fixture (keep it
// on the test's own thread), and a later fixture removes the namespace and temp dir of a test
// binary that crashed.
//
//   NamedTestHosts hosts;
//   ASSERT_TRUE(hosts.ready()) << hosts.error();
//   sh(hosts.with_resolver("curl -sS --cacert " + shell_quote(hosts.cert_path()) + " https://secure.test/"));

#include <sys/types.h>

#include <optional>
#include <string>

#include "kernel_env.h"

namespace egresswatch::test {

// Why NamedTestHosts cannot be set up here (not root, a tool missing), or nullopt.
std::optional<std::string> named_hosts_unavailable_reason();

// 'text' as one single-quoted shell word.
std::string shell_quote(const std::string& text);

class NamedTestHosts {
public:
    NamedTestHosts();
    ~NamedTestHosts();
    NamedTestHosts(const NamedTestHosts&) = delete;
    NamedTestHosts& operator=(const NamedTestHosts&) = delete;

    bool ready() const { return ready_; }
    const std::string& error() const { return error_; }

    const std::string& v4() const { return host_v4_; }  // the web servers; every name's address
    const std::string& v6() const { return host_v6_; }
    const std::string& gateway_v4() const { return gateway_v4_; }  // the root namespace's end
    const std::string& gateway_v6() const { return gateway_v6_; }
    const std::string& dns_server() const { return dns_v4_; }     // the only nameserver clients use
    const std::string& dns_server_v6() const { return dns_v6_; }  // dnsmasq listens here too
    const std::string& netns() const { return ns_; }
    const std::string& veth_host() const { return veth_host_; }  // the root namespace's end of the pair

    const std::string& dir() const { return dir_; }               // temp dir with all the files below
    std::string cert_path() const { return dir_ + "/cert.pem"; }  // leaf and CA: --cacert
    std::string key_path() const { return dir_ + "/key.pem"; }
    std::string resolv_conf_path() const { return dir_ + "/resolv.conf"; }
    std::string dns_log_path() const { return dir_ + "/dnsmasq-queries.log"; }
    // "<scheme> <peer> <peer_port> <sni|-> <METHOD> <host|-> <path> <status> <bytes>" per request
    std::string web_log_path() const { return dir_ + "/web-requests.log"; }

    // A shell command line that runs 'shell_command' (with /bin/sh -c) in a private mount
    // namespace whose /etc/resolv.conf names only dns_server(), whose nsswitch.conf says
    // "hosts: files dns", and whose /etc/hosts holds none of the test names. Still in the
    // root network namespace. Pass it to sh -c, e.g. run_egresswatch({..., "--", "sh", "-c",
    // hosts.with_resolver("curl -sS http://mirror.test/")}).
    std::string with_resolver(const std::string& shell_command) const;

    static constexpr int kHttpPort = 80;
    static constexpr int kHttpsPort = 443;
    static constexpr int kDnsPort = 53;
    static constexpr int kTtl = 60;
    static constexpr const char* kMirror = "mirror.test";
    static constexpr const char* kSecure = "secure.test";
    static constexpr const char* kApi = "api.test";
    static constexpr const char* kWwwMirror = "www.mirror.test";  // CNAME cdn.mirror.test
    static constexpr const char* kCdnMirror = "cdn.mirror.test";  // CNAME mirror.test
    static constexpr const char* kDebPath = "/pool/main/x/x_1.0_amd64.deb";
    static constexpr int kDebBytes = 6 * 1024;
    static constexpr int kBigBytes = 2 * 1024 * 1024;  // /big.iso

private:
    bool set_up();
    bool pick_subnet();
    bool write_files();
    bool start_servers();
    bool wait_ready();
    std::string server_logs() const;
    void tear_down();

    std::string ns_, veth_host_, veth_ns_, dir_;
    std::string host_v4_, host_v6_, dns_v4_, dns_v6_, gateway_v4_, gateway_v6_;
    int subnet_ = -1;
    int lock_fd_ = -1;
    bool netns_created_ = false, veth_created_ = false;
    pid_t dns_pid_ = -1, web_pid_ = -1;
    bool ready_ = false;
    std::string error_;
};

}  // namespace egresswatch::test

// Like EW_REQUIRE_KERNEL(): skip with the reason, or fail when EGRESSWATCH_REQUIRE_KERNEL_TESTS=1.
#define EW_REQUIRE_NAMED_HOSTS()                                                    \
    do {                                                                            \
        if (auto why = ::egresswatch::test::named_hosts_unavailable_reason()) {     \
            if (::egresswatch::test::kernel_tests_required())                       \
                FAIL() << "named-hosts test cannot run: " << *why                   \
                       << " (EGRESSWATCH_REQUIRE_KERNEL_TESTS=1 forbids skipping)"; \
            else                                                                    \
                GTEST_SKIP() << "named-hosts test skipped: " << *why;               \
        }                                                                           \
    } while (0)
