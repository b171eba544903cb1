#pragma once
// A real Docker daemon for the kernel tests: Debian's docker.io, started by the fixture.
//
// Its package cannot start it here (no systemd as PID 1, and policy-rc.d forbids starting
// services from package scripts), so DockerDaemon starts dockerd itself, with Docker's default
// state directories (/var/lib/docker, /run/docker): egresswatch reads containers' names and
// images from there, as it would on a user's host. It runs with the cgroupfs driver, no
// iptables and no bridge: test containers use the host's network (`--network host`) and reach
// the fixtures' test hosts in 198.18.0.0/15 by their routes. dockerd starts its own containerd.
// A dockerd that already answers on /run/docker.sock is used as it is, and left running.
//
// The image localhost/egresswatch-test-busybox is the podman test image (containers.h), saved
// by podman and loaded by docker, so that no registry is ever asked: every `docker run` takes
// `--pull never`. It stays cached in /var/lib/docker.
//
// Stopping takes a few seconds (dockerd stops its containers, then containerd). A test binary
// that dies leaves dockerd killed (it gets SIGKILL with the thread that started it) and its
// containerd running; the next DockerDaemon starts over it, and dockerd cleans that up.
//
//   EW_REQUIRE_DOCKER();
//   DockerDaemon docker;
//   ASSERT_TRUE(docker.ready()) << docker.error();
//   run_command(docker.argv({"run", "--rm", "--pull", "never", "--network", "host", kTestImage, ...}));

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "common/subprocess.h"
#include "containers.h"
#include "kernel_env.h"

namespace egresswatch::test {

// Why Docker cannot be run here (what containers need, or docker.io missing), or nullopt.
std::optional<std::string> docker_unavailable_reason();

class DockerDaemon {
public:
    DockerDaemon();
    ~DockerDaemon();
    DockerDaemon(const DockerDaemon&) = delete;
    DockerDaemon& operator=(const DockerDaemon&) = delete;

    bool ready() const { return ready_; }
    const std::string& error() const { return error_; }

    // `/usr/bin/docker ARGS...`: Debian's client (another `docker` earlier in PATH may be a
    // newer client with other defaults).
    static std::vector<std::string> argv(const std::vector<std::string>& args);
    // The label every container and image a test makes carries, so that the daemon's owner can
    // remove them: egresswatch.test=PID.
    std::string label() const;

private:
    bool start();
    void stop();

    pid_t pid_ = -1;  // -1: a daemon that was running already
    std::string log_;
    bool ready_ = false;
    std::string error_;
};

}  // namespace egresswatch::test

// EW_REQUIRE_CONTAINERS(), and docker.io: skip with the reason, or fail when
// EGRESSWATCH_REQUIRE_KERNEL_TESTS=1.
#define EW_REQUIRE_DOCKER()                                                         \
    do {                                                                            \
        EW_REQUIRE_CONTAINERS();                                                    \
        if (auto why = ::egresswatch::test::docker_unavailable_reason()) {          \
            if (::egresswatch::test::kernel_tests_required())                       \
                FAIL() << "docker test cannot run: " << *why                        \
                       << " (EGRESSWATCH_REQUIRE_KERNEL_TESTS=1 forbids skipping)"; \
            else                                                                    \
                GTEST_SKIP() << "docker test skipped: " << *why;                    \
        }                                                                           \
    } while (0)
