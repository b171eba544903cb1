#include "docker.h"

#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "containers.h"

namespace egresswatch::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kDocker = "/usr/bin/docker";
constexpr const char* kDockerd = "/usr/sbin/dockerd";
constexpr const char* kContainerd = "/usr/bin/containerd";
constexpr const char* kImageLabel = "egresswatch.test.busybox";  // as containers.cpp labels the image
// dockerd mounts its host-network namespace here and leaves it mounted when it stops.
constexpr const char* kHostNetns = "/run/docker/netns/default";

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

std::string tail(const std::string& text, std::size_t max = 1500) {
    return text.size() > max ? "..." + text.substr(text.size() - max) : text;
}

bool answers() {
    return run_command(DockerDaemon::argv({"version", "--format", "{{.Server.Version}}"}), 10s).exit_code == 0;
}

std::string image_label(const std::vector<std::string>& inspect) {
    std::vector<std::string> args = inspect;
    args.insert(args.end(), {"image", "inspect", "--format",
                             std::string("{{index .Config.Labels \"") + kImageLabel + "\"}}", kTestImage});
    auto r = run_command(args, 60s);
    return r.exit_code == 0 ? trim(r.out) : "";
}

}  // namespace

std::optional<std::string> docker_unavailable_reason() {
    for (const char* tool : {kDocker, kDockerd, kContainerd})
        if (access(tool, X_OK) != 0) return std::string(tool) + " missing: run scripts/install-deps.sh (docker.io)";
    return std::nullopt;
}

std::vector<std::string> DockerDaemon::argv(const std::vector<std::string>& args) {
    std::vector<std::string> out{kDocker};
    out.insert(out.end(), args.begin(), args.end());
    return out;
}

std::string DockerDaemon::label() const { return "egresswatch.test=" + std::to_string(getpid()); }

DockerDaemon::DockerDaemon() {
    ready_ = start();
    if (!ready_) stop();
}

DockerDaemon::~DockerDaemon() { stop(); }

bool DockerDaemon::start() {
    if (!answers()) {
        log_ = make_temp_dir("egresswatch-test-" + std::to_string(getpid()) + "-dockerd-") + "/dockerd.log";
        pid_ = spawn_server({kDockerd, "--exec-opt", "native.cgroupdriver=cgroupfs", "--iptables=false",
                             "--ip6tables=false", "--bridge=none", "--shutdown-timeout=2"},
                            log_);
        if (pid_ < 0) {
            error_ = "cannot start " + std::string(kDockerd);
            return false;
        }
        // It restarts over what a killed dockerd left (its containerd, dead containers) first.
        auto deadline = std::chrono::steady_clock::now() + 60s;
        while (!answers()) {
            if (server_exited(pid_)) {
                error_ = "dockerd exited at start: " + tail(read_text(log_));
                return false;
            }
            if (std::chrono::steady_clock::now() > deadline) {
                error_ = "dockerd did not answer within 60 s: " + tail(read_text(log_));
                return false;
            }
            std::this_thread::sleep_for(100ms);
        }
    }
    if (auto why = ensure_test_image()) {
        error_ = "the podman test image: " + *why;
        return false;
    }
    // The podman image, saved and loaded: the same files and label, and never a registry.
    std::string want = image_label(podman_base_argv());
    if (want.empty() || image_label({kDocker}) != want) {
        std::string save;
        for (const auto& a : podman_base_argv()) save += a + " ";
        auto r = sh(save + "image save --format docker-archive " + kTestImage + " | " + kDocker + " load", 120s);
        if (r.exit_code != 0 || image_label({kDocker}) != want) {
            error_ = "docker load of the podman test image failed: " + tail(r.out + r.err);
            return false;
        }
    }
    return true;
}

void DockerDaemon::stop() {
    if (answers()) {
        auto ids = run_command(argv({"ps", "-aq", "--filter", "label=" + label()}), 30s);
        for (const std::string& id : lines_of(ids.out)) run_command(argv({"rm", "-f", id}), 30s);
    }
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    for (int i = 0; i < 300 && !server_exited(pid_); ++i) std::this_thread::sleep_for(50ms);
    if (pid_ > 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }
    ::umount2(kHostNetns, MNT_DETACH);
}

}  // namespace egresswatch::test
