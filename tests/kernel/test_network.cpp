#include "test_network.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "common/subprocess.h"

namespace egresswatch::test {
namespace {

bool tcp_reachable(const std::string& v4, int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    inet_pton(AF_INET, v4.c_str(), &addr.sin_addr);
    bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    close(fd);
    return ok;
}

}  // namespace

std::string veth_namespace_script(const std::string& ns, const std::string& veth_host, const std::string& veth_ns,
                                  const std::string& gateway_v4, const std::string& gateway_v6,
                                  const std::vector<std::string>& host_v4, const std::vector<std::string>& host_v6) {
    std::string script = "set -e\n"
                         "ip netns add " +
                         ns +
                         "\n"
                         "ip link add " +
                         veth_host + " type veth peer name " + veth_ns +
                         "\n"
                         "ip link set " +
                         veth_ns + " netns " + ns +
                         "\n"
                         "ip addr add " +
                         gateway_v4 + "/24 dev " + veth_host +
                         "\n"
                         "ip -6 addr add " +
                         gateway_v6 + "/64 dev " + veth_host +
                         " nodad\n"
                         "ip link set " +
                         veth_host + " up\n";
    for (const auto& a : host_v4) script += "ip -n " + ns + " addr add " + a + "/24 dev " + veth_ns + "\n";
    for (const auto& a : host_v6) script += "ip -n " + ns + " -6 addr add " + a + "/64 dev " + veth_ns + " nodad\n";
    script += "ip -n " + ns + " link set " + veth_ns +
              " up\n"
              "ip -n " +
              ns + " link set lo up\n";
    return script;
}

TestNetwork::TestNetwork() {
    static int counter = 0;
    int n = (getpid() % 100) * 2 + (counter++ % 2) + 20;  // distinct per process and instance
    std::string tag = std::to_string(getpid()) + "-" + std::to_string(counter);
    ns_ = "ewtest-" + tag;
    veth_host_ = "ewh" + tag;
    veth_ns_ = "ewn" + tag;
    if (veth_host_.size() > 15) veth_host_.resize(15);
    if (veth_ns_.size() > 15) veth_ns_.resize(15);
    std::string net4 = "198.18." + std::to_string(n) + ".";
    std::string net6 = "fd00:e9:" + std::to_string(n) + "::";
    host_v4_ = net4 + "2";
    host_v6_ = net6 + "2";

    CommandResult setup =
        sh(veth_namespace_script(ns_, veth_host_, veth_ns_, net4 + "1", net6 + "1", {host_v4_}, {host_v6_}));
    if (setup.exit_code != 0) {
        error_ = "network namespace setup failed: " + setup.err;
        return;
    }
    server_pid_ = fork();
    if (server_pid_ == 0) {
        std::string tcp = std::to_string(kTcpPort), udp = std::to_string(kUdpPort);
        std::string script_path = std::string(TESTPROGS_DIR) + "/servers.py";
        execl("/usr/sbin/ip", "ip", "netns", "exec", ns_.c_str(), "/usr/bin/python3", script_path.c_str(), tcp.c_str(),
              udp.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    // Up to 20 s: with ctest -j2, a fuzzer and Prometheus starting beside it, python took over
    // the 5 s this once allowed. A server that exited is not waited for.
    bool exited = false;
    for (int i = 0; i < 400 && !ready_ && !exited; ++i) {
        ready_ = tcp_reachable(host_v4_, kTcpPort);
        if (!ready_) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        exited = !ready_ && ::waitpid(server_pid_, nullptr, WNOHANG) == server_pid_;
    }
    if (exited) server_pid_ = -1;
    if (!ready_) error_ = "test servers in " + ns_ + (exited ? " exited at start" : " did not come up in 20 s");
}

TestNetwork::~TestNetwork() {
    if (server_pid_ > 0) {
        kill(server_pid_, SIGKILL);
        waitpid(server_pid_, nullptr, 0);
    }
    sh("ip link del " + veth_host_ + " 2>/dev/null; ip netns del " + ns_ + " 2>/dev/null");
}

}  // namespace egresswatch::test
