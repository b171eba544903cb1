#pragma once
// Real containers for the kernel tests, run by rootful podman: no registry, no mock.
//
//   - The image localhost/egresswatch-test-busybox is built (podman import) from the
//     busybox-static package's /bin/busybox and a few applet links (sh, wget, nslookup, sleep,
//     cat, ...), at most once per test binary, and again only when /bin/busybox or the layout
//     changed (a label on the image says which it was built from). It stays cached.
//   - ContainerTestNetwork is a podman bridge network of its own, 198.19.N.0/24 with N in
//     251..254 (NamedTestHosts uses 198.19.1-250, TestNetwork 198.18.20-219, the demo
//     198.18.254), held by a lock file for its life so that parallel test binaries never share
//     one. Podman's own DNS (aardvark-dns) is disabled on it, since it forwards unknown names
//     to the machine's resolvers; instead, on the network's gateway address (the host's end of
//     the bridge, gateway_v4()) the fixture runs
//       - an HTTP server on kHttpPort (tests/testprogs/gateway_web_server.py) logging one line
//         per request to web_log_path(): "<peer> <METHOD> <Host or -> <path>",
//       - dnsmasq on port 53, answering kServerName with gateway_v4() and NXDOMAIN for every
//         other name (never forwarding); every container gets it as its only nameserver.
//     The bridge exists only while a container is attached to it, so the HTTP server binds
//     with IP_FREEBIND and dnsmasq with --bind-dynamic: both work as soon as it appears.
//     Container traffic to the gateway is local delivery on the host, so no forwarding or NAT
//     is involved and the server sees the container's own address.
//   - TestContainer runs one container on such a network, detached, with a start gate: the
//     command waits on a FIFO until release(), so its cgroup can be read from
//     /proc/PID/cgroup of its live process first (cgroup(), relative to the cgroup2 mount,
//     as egresswatch's records give it).
// Every podman command runs with `--runtime runc` (crun fails on hybrid cgroup layouts),
// `--cgroup-manager cgroupfs` when systemd is not PID 1, and ulimits no higher than this
// process's own (podman's defaults for root need CAP_SYS_RESOURCE).
// Everything is removed on destruction (containers with `podman rm -f`, the network, the
// servers), also after a failed set-up or a failed test. The servers die with the thread that
// made the fixture (keep it on the test's own thread); a later fixture removes the containers,
// networks, servers and temp dirs of a test binary that crashed. The image stays cached.
//
//   EW_REQUIRE_CONTAINERS();
//   ContainerTestNetwork net;
//   ASSERT_TRUE(net.ready()) << net.error();
//   TestContainer c(net, {"wget", "-q", "-O", "-", net.url("/x")});
//   ASSERT_TRUE(c.ready()) << c.error();
//   c.cgroup();            // "/libpod_parent/libpod-<id>" here
//   auto r = c.run();      // release the gate, wait for the exit: exit code, stdout, stderr

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/subprocess.h"
#include "kernel_env.h"

namespace egresswatch::test {

inline constexpr const char* kTestImage = "localhost/egresswatch-test-busybox";

// Why containers cannot be run here (not root, podman, runc, a static busybox, dnsmasq or
// python3 missing), or nullopt. Whether podman really works is found by the fixtures, and a
// fixture that fails is a test failure, not a skip.
std::optional<std::string> containers_unavailable_reason();

// Builds kTestImage unless it is already built from this /bin/busybox; once per process.
// Returns an error, or nullopt.
std::optional<std::string> ensure_test_image();

// `podman` and the options every podman command of the tests takes (before the subcommand).
std::vector<std::string> podman_base_argv();
// The --ulimit options every container of the tests needs here: podman's defaults are above
// what root may set on this machine.
std::vector<std::string> ulimit_options();

class ContainerTestNetwork {
public:
    ContainerTestNetwork();
    ~ContainerTestNetwork();
    ContainerTestNetwork(const ContainerTestNetwork&) = delete;
    ContainerTestNetwork& operator=(const ContainerTestNetwork&) = delete;

    bool ready() const { return ready_; }
    const std::string& error() const { return error_; }

    const std::string& name() const { return name_; }              // the podman network
    const std::string& subnet() const { return subnet_; }          // 198.19.N.0/24
    const std::string& gateway_v4() const { return gateway_v4_; }  // the servers
    std::string url(const std::string& path) const {               // http://GATEWAY:PORT/PATH
        return "http://" + gateway_v4_ + ":" + std::to_string(kHttpPort) + path;
    }
    const std::string& dir() const { return dir_; }
    std::string web_log_path() const { return dir_ + "/web-requests.log"; }
    std::string dns_log_path() const { return dir_ + "/dnsmasq.log"; }
    // Whether this network's dnsmasq has bound the gateway address: once a container is on it.
    bool dns_ready() const;
    // The lines of web_log_path(), once the server has written them.
    std::vector<std::string> web_requests() const;

    // A fresh container name on this network: egresswatch-test-PID-N-LABEL.
    std::string container_name(const std::string& label);
    // `podman ... run --name NAME [run options] IMAGE COMMAND...`: an attached one-shot run on
    // this network, with the test's nameserver, for a test that runs podman itself (under
    // `egresswatch run`). Pair it with a ContainerRemover for NAME.
    std::vector<std::string> podman_run_argv(const std::string& name, const std::vector<std::string>& command) const;
    // The options of `podman run` that put a container on this network.
    std::vector<std::string> run_options() const;

    static constexpr int kHttpPort = 8080;
    static constexpr const char* kServerName = "web.containers.test";  // dnsmasq: gateway_v4()

private:
    bool set_up();
    bool pick_subnet();
    void tear_down();

    std::string tag_, name_, subnet_, gateway_v4_, dir_;
    int lock_fd_ = -1;
    int containers_made_ = 0;
    bool network_created_ = false;
    pid_t web_pid_ = -1, dns_pid_ = -1;
    bool ready_ = false;
    std::string error_;
};

// Removes container NAME (if it exists) when it goes out of scope.
class ContainerRemover {
public:
    explicit ContainerRemover(std::string name) : name_(std::move(name)) {}
    ~ContainerRemover();
    ContainerRemover(const ContainerRemover&) = delete;
    ContainerRemover& operator=(const ContainerRemover&) = delete;

private:
    std::string name_;
};

// One container of kTestImage on `net`, running `command` (argv; the image has /bin/sh and
// busybox's applets) once release() is called. Removed on destruction.
class TestContainer {
public:
    TestContainer(ContainerTestNetwork& net, const std::vector<std::string>& command, const std::string& label = "c");
    ~TestContainer();
    TestContainer(const TestContainer&) = delete;
    TestContainer& operator=(const TestContainer&) = delete;

    bool ready() const { return ready_; }
    const std::string& error() const { return error_; }
    const std::string& name() const { return name_; }
    const std::string& id() const { return id_; }
    pid_t pid() const { return pid_; }                     // its first process, in this pid namespace
    const std::string& cgroup() const { return cgroup_; }  // relative to the cgroup2 mount
    const std::string& address() const { return address_; }

    // Lets the command start.
    bool release(std::string* why = nullptr);
    // Waits until the container has exited: its exit code (-1 on timeout or error), its
    // stdout and stderr.
    CommandResult wait(std::chrono::milliseconds timeout = std::chrono::seconds(60));
    // release(), then wait().
    CommandResult run(std::chrono::milliseconds timeout = std::chrono::seconds(60));

private:
    std::string name_, id_, cgroup_, address_, gate_dir_;
    pid_t pid_ = -1;
    bool ready_ = false;
    std::string error_;
};

}  // namespace egresswatch::test

// EW_REQUIRE_KERNEL(), and the tools that containers need: skip with the reason, or fail when
// EGRESSWATCH_REQUIRE_KERNEL_TESTS=1.
#define EW_REQUIRE_CONTAINERS()                                                     \
    do {                                                                            \
        EW_REQUIRE_KERNEL();                                                        \
        if (auto why = ::egresswatch::test::containers_unavailable_reason()) {      \
            if (::egresswatch::test::kernel_tests_required())                       \
                FAIL() << "container test cannot run: " << *why                     \
                       << " (EGRESSWATCH_REQUIRE_KERNEL_TESTS=1 forbids skipping)"; \
            else                                                                    \
                GTEST_SKIP() << "container test skipped: " << *why;                 \
        }                                                                           \
    } while (0)
