#pragma once
// A test host in its own network namespace, reachable from the root namespace over a
// veth pair, serving HTTP on TCP and echo on UDP, over IPv4 and IPv6. Torn down on
// destruction. Addresses are from 198.18.0.0/15 (benchmarking) and fd00::/8 (ULA): never
// anything outside this machine.

#include <sys/types.h>

#include <string>
#include <vector>

namespace egresswatch::test {

// A shell script (set -e) that creates network namespace `ns`, joined to this one by the veth
// pair veth_host/veth_ns: the gateway addresses on this side, the host addresses (IPv4 /24,
// IPv6 /64) on the namespace side, and loopback up in the namespace.
std::string veth_namespace_script(const std::string& ns, const std::string& veth_host, const std::string& veth_ns,
                                  const std::string& gateway_v4, const std::string& gateway_v6,
                                  const std::vector<std::string>& host_v4, const std::vector<std::string>& host_v6);

class TestNetwork {
public:
    TestNetwork();
    ~TestNetwork();
    TestNetwork(const TestNetwork&) = delete;
    TestNetwork& operator=(const TestNetwork&) = delete;

    bool ready() const { return ready_; }
    const std::string& error() const { return error_; }
    const std::string& v4() const { return host_v4_; }  // the test host
    const std::string& v6() const { return host_v6_; }
    static constexpr int kTcpPort = 8080;
    static constexpr int kUdpPort = 5300;

private:
    std::string ns_, veth_host_, veth_ns_;
    std::string host_v4_, host_v6_;
    pid_t server_pid_ = -1;
    bool ready_ = false;
    std::string error_;
};

}  // namespace egresswatch::test
