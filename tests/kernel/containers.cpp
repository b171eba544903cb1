#include "containers.h"

#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

namespace egresswatch::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kPodman = "/usr/bin/podman";
constexpr const char* kRunc = "/usr/bin/runc";
constexpr const char* kBusybox = "/bin/busybox";
constexpr const char* kDnsmasq = "/usr/sbin/dnsmasq";
constexpr const char* kPython = "/usr/bin/python3";
constexpr const char* kSs = "/usr/bin/ss";
constexpr const char* kPrefix = "egresswatch-test-";  // networks, containers, and temp dirs
constexpr const char* kImageLabel = "egresswatch.test.busybox";
// Change it when the image's layout changes, so that a cached image is rebuilt.
constexpr const char* kImageLayout = "1";
// Busybox applets the image links to /bin/busybox.
constexpr const char* kApplets[] = {"sh", "wget", "nslookup", "sleep", "cat", "echo",
                                    "ls", "true", "env",      "id",    "ps",  "hostname"};
constexpr const char* kGateInContainer = "/ew-gate";
constexpr int kFirstSubnet = 251, kLastSubnet = 254;  // 198.19.N.0/24

CommandResult podman(std::vector<std::string> args, std::chrono::milliseconds timeout = 60s) {
    std::vector<std::string> argv = podman_base_argv();
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, timeout);
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
    return s;
}

std::string first_lines(const std::string& text, std::size_t max = 1500) {
    return text.size() > max ? text.substr(0, max) + "..." : text;
}

// Whether an ELF file is statically linked (has no PT_INTERP): the image holds nothing else.
std::optional<bool> is_static_elf(const char* path) {
    std::ifstream in(path, std::ios::binary);
    Elf64_Ehdr eh{};
    if (!in.read(reinterpret_cast<char*>(&eh), sizeof(eh))) return std::nullopt;
    if (std::string(reinterpret_cast<char*>(eh.e_ident), 4) != ELFMAG || eh.e_ident[EI_CLASS] != ELFCLASS64)
        return std::nullopt;
    for (int i = 0; i < eh.e_phnum; ++i) {
        Elf64_Phdr ph{};
        in.seekg(static_cast<std::streamoff>(eh.e_phoff + static_cast<std::uint64_t>(i) * eh.e_phentsize));
        if (!in.read(reinterpret_cast<char*>(&ph), sizeof(ph))) return std::nullopt;
        if (ph.p_type == PT_INTERP) return false;
    }
    return true;
}

bool systemd_is_pid1() { return trim(read_text("/proc/1/comm")) == "systemd"; }

// Whether a name "egresswatch-test-PID-..." names a process that is gone.
bool owner_is_gone(const std::string& name) {
    if (name.rfind(kPrefix, 0) != 0) return false;
    std::string rest = name.substr(std::string(kPrefix).size());
    std::string pid = rest.substr(0, rest.find('-'));
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) return false;
    return !fs::exists("/proc/" + pid);
}

// Removes what a crashed test binary left: its servers (they die with it, see spawn_server(), but a
// stale dnsmasq would answer on the gateway address of the next network with that subnet, so
// this makes sure), its containers, networks and temp dirs.
void remove_stale_leftovers() {
    std::error_code ec;
    const std::string marker = std::string("/tmp/") + kPrefix;
    for (const auto& entry : fs::directory_iterator("/proc", ec)) {
        std::string pid = entry.path().filename().string();
        if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
        std::string cmdline = read_text(entry.path().string() + "/cmdline");
        std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
        auto at = cmdline.find(marker);
        if (at == std::string::npos || (cmdline.find(kPython) != 0 && cmdline.find(kDnsmasq) != 0)) continue;
        std::string owner = cmdline.substr(at + 5);  // egresswatch-test-PID-...
        if (owner_is_gone(owner.substr(0, owner.find_first_of(" /")))) kill(std::stoi(pid), SIGKILL);
    }
    auto containers = podman({"ps", "-a", "--filter", std::string("name=^") + kPrefix, "--format", "{{.Names}}"}, 30s);
    for (const auto& name : lines_of(containers.out))
        if (owner_is_gone(name)) podman({"rm", "-f", "-t", "0", name}, 60s);
    auto networks =
        podman({"network", "ls", "--filter", std::string("name=^") + kPrefix, "--format", "{{.Name}}"}, 30s);
    for (const auto& name : lines_of(networks.out))
        if (owner_is_gone(name)) podman({"network", "rm", "-f", name}, 60s);
    std::vector<fs::path> stale;
    for (const auto& entry : fs::directory_iterator("/tmp", ec))
        if (owner_is_gone(entry.path().filename().string())) stale.push_back(entry.path());
    for (const auto& path : stale) fs::remove_all(path, ec);
}

// Whether process `pid` listens on addr:port (proto "t" or "u"), as ss sees it. Another
// process on that address would take some of the queries or connections meant for ours.
bool listening(const char* proto, const std::string& addr, int port, pid_t pid) {
    auto r = run_command({kSs, std::string("-Hlnp") + proto, "src", addr + ":" + std::to_string(port)}, 10s);
    return r.exit_code == 0 && r.out.find("pid=" + std::to_string(pid) + ",") != std::string::npos;
}

std::string build_image(const std::string& label) {
    std::string dir = make_temp_dir(std::string(kPrefix) + std::to_string(getpid()) + "-image-");
    std::error_code ec;
    fs::create_directories(dir + "/bin", ec);
    fs::create_directories(dir + "/etc", ec);
    fs::create_directories(dir + "/tmp", ec);
    fs::permissions(dir + "/tmp", fs::perms::all | fs::perms::sticky_bit, ec);
    fs::copy_file(kBusybox, dir + "/bin/busybox", ec);
    if (ec) {
        fs::remove_all(dir, ec);
        return std::string("copying ") + kBusybox + " failed: " + ec.message();
    }
    for (const char* applet : kApplets) fs::create_symlink("busybox", dir + "/bin/" + applet, ec);
    std::string cmd = "tar -C '" + dir + "' -c . | " + kPodman + " import --change 'LABEL " + kImageLabel + "=" +
                      label + "' --change 'CMD [\"/bin/sh\"]' - " + kTestImage;
    auto r = sh(cmd, 120s);
    fs::remove_all(dir, ec);
    if (r.exit_code != 0) return "podman import failed: " + first_lines(r.err);
    return "";
}

}  // namespace

// --ulimit values no higher than this process's hard limits. Podman's defaults for root
// (1048576 files and processes) need CAP_SYS_RESOURCE, which root lacks on some machines
// (this one), and even equal values fail when they are above the runtime's own limits: podman
// and what it starts run with a lower RLIMIT_NPROC hard limit than their caller (32768 here,
// against 96365), so the process limit stays well below that. RLIMIT_NPROC counts all of
// root's threads on the host, so it must not be small either.
std::vector<std::string> ulimit_options() {
    auto limit = [](int resource, rlim_t cap) {
        rlimit r{};
        rlim_t v = cap;
        if (getrlimit(resource, &r) == 0 && r.rlim_max != RLIM_INFINITY) v = std::min(v, r.rlim_max);
        return std::to_string(v) + ":" + std::to_string(v);
    };
    return {"--ulimit", "nofile=" + limit(RLIMIT_NOFILE, 4096), "--ulimit", "nproc=" + limit(RLIMIT_NPROC, 16384)};
}

std::optional<std::string> containers_unavailable_reason() {
    if (geteuid() != 0) return "needs root (rootful podman)";
    for (const char* tool : {kPodman, kRunc, kBusybox, kDnsmasq, kPython, kSs, "/usr/bin/tar", "/usr/bin/sha256sum"})
        if (access(tool, X_OK) != 0) return std::string(tool) + " missing: run scripts/install-deps.sh";
    auto is_static = is_static_elf(kBusybox);
    if (!is_static || !*is_static)
        return std::string(kBusybox) +
               " is not a static busybox (the test image holds nothing else): install busybox-static";
    return std::nullopt;
}

std::vector<std::string> podman_base_argv() {
    std::vector<std::string> argv{kPodman, "--runtime", "runc"};
    // Without systemd as PID 1 there is no systemd to create scopes: cgroupfs. (Podman picks
    // it itself then, but saying so keeps the choice out of its heuristics.)
    if (!systemd_is_pid1()) {
        argv.push_back("--cgroup-manager");
        argv.push_back("cgroupfs");
    }
    return argv;
}

std::optional<std::string> ensure_test_image() {
    static std::mutex mutex;
    static std::optional<std::optional<std::string>> result;  // once per process
    std::lock_guard lock(mutex);
    if (result) return *result;
    auto hash = run_command({"/usr/bin/sha256sum", kBusybox}, 60s);
    if (hash.exit_code != 0) {
        result = "sha256sum " + std::string(kBusybox) + " failed: " + hash.err;
        return *result;
    }
    std::string label = "layout" + std::string(kImageLayout) + "-" + hash.out.substr(0, hash.out.find(' '));
    auto have = podman(
        {"image", "inspect", "--format", std::string("{{index .Config.Labels \"") + kImageLabel + "\"}}", kTestImage},
        60s);
    if (have.exit_code == 0 && trim(have.out) == label) {
        result = std::optional<std::string>{};
        return *result;
    }
    std::string old_id =
        have.exit_code == 0 ? trim(podman({"image", "inspect", "--format", "{{.Id}}", kTestImage}).out) : "";
    std::string error = build_image(label);
    // The image it replaces, now untagged (kept if a container still uses it).
    if (error.empty() && !old_id.empty()) podman({"rmi", old_id}, 60s);
    result = error.empty() ? std::optional<std::string>{} : std::optional<std::string>{error};
    return *result;
}

// --- ContainerTestNetwork ------------------------------------------------------------------

ContainerTestNetwork::ContainerTestNetwork() {
    static std::atomic<int> counter{0};
    tag_ = std::to_string(getpid()) + "-" + std::to_string(counter++);
    name_ = kPrefix + tag_;
    try {
        ready_ = set_up();
    } catch (const std::exception& e) {
        error_ = std::string("set-up threw: ") + e.what();
        ready_ = false;
    }
    if (!ready_) tear_down();
}

ContainerTestNetwork::~ContainerTestNetwork() { tear_down(); }

bool ContainerTestNetwork::set_up() {
    if (auto why = containers_unavailable_reason()) {
        error_ = *why;
        return false;
    }
    remove_stale_leftovers();
    if (auto why = ensure_test_image()) {
        error_ = "building " + std::string(kTestImage) + ": " + *why;
        return false;
    }
    if (!pick_subnet()) return false;
    dir_ = make_temp_dir(name_ + "-");

    network_created_ = true;  // from here on, tear_down() removes it if it exists
    auto created = podman({"network", "create", "--disable-dns", "--subnet", subnet_, "--gateway", gateway_v4_,
                           "--label", "egresswatch-test=1", name_},
                          60s);
    if (created.exit_code != 0) {
        error_ = "podman network create " + name_ + " failed: " + first_lines(created.err);
        return false;
    }

    web_pid_ = spawn_server({kPython, std::string(TESTPROGS_DIR) + "/gateway_web_server.py", gateway_v4_,
                             std::to_string(kHttpPort), web_log_path()},
                            dir_ + "/web-server.out");
    dns_pid_ = spawn_server({kDnsmasq, "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
                             "--no-poll", "--pid-file=",
                             // Root's own user and group: a change of either would clear the
                             // parent-death signal, and dnsmasq would outlive a crashed test binary.
                             "--user=root", "--group=root", "--port=53",
                             // The gateway address exists only while a container is on the network.
                             "--bind-dynamic", "--listen-address=" + gateway_v4_,
                             "--local=/#/",  // every name but ours is NXDOMAIN, never forwarded
                             "--host-record=" + std::string(kServerName) + "," + gateway_v4_, "--log-queries",
                             "--log-facility=" + dns_log_path()},
                            dir_ + "/dnsmasq.out");
    if (web_pid_ < 0 || dns_pid_ < 0) {
        error_ = "could not start the servers";
        return false;
    }
    for (int i = 0; i < 200; ++i) {
        if (server_exited(web_pid_)) {
            error_ = "the HTTP server exited: " + read_text(dir_ + "/web-server.out");
            return false;
        }
        if (server_exited(dns_pid_)) {
            error_ = "dnsmasq exited: " + read_text(dir_ + "/dnsmasq.out") + read_text(dns_log_path());
            return false;
        }
        if (listening("t", gateway_v4_, kHttpPort, web_pid_)) return true;
        std::this_thread::sleep_for(25ms);
    }
    error_ = "the HTTP server did not listen on " + gateway_v4_ + ":" + std::to_string(kHttpPort) + ": " +
             read_text(dir_ + "/web-server.out");
    return false;
}

// 198.19.N.0/24 with N in kFirstSubnet..kLastSubnet, held by an flock on a file in /tmp for as
// long as this fixture lives (also across processes), on no interface and in no podman network.
bool ContainerTestNetwork::pick_subnet() {
    auto podman_subnets =
        podman({"network", "ls", "--format", "{{range .Subnets}}{{.Subnet}} {{end}}"}, 30s).out;  // best effort
    for (int n = kFirstSubnet; n <= kLastSubnet; ++n) {
        std::string net = "198.19." + std::to_string(n) + ".0/24";
        std::string lock = "/tmp/egresswatch-containers-" + std::to_string(n) + ".lock";
        int fd = open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) continue;
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            close(fd);
            continue;
        }
        auto in_use = run_command({"/usr/sbin/ip", "-o", "addr", "show", "to", net}, 10s);
        if (in_use.exit_code != 0 || !in_use.out.empty() || podman_subnets.find(net) != std::string::npos) {
            close(fd);
            continue;
        }
        lock_fd_ = fd;
        subnet_ = net;
        gateway_v4_ = "198.19." + std::to_string(n) + ".1";
        return true;
    }
    error_ = "no free subnet in 198.19." + std::to_string(kFirstSubnet) + "-" + std::to_string(kLastSubnet) + ".0/24";
    return false;
}

void ContainerTestNetwork::tear_down() {
    stop_server(web_pid_);
    stop_server(dns_pid_);
    // -f removes the containers still on it too.
    if (network_created_) podman({"network", "rm", "-f", name_}, 60s);
    network_created_ = false;
    if (!dir_.empty()) {
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
        dir_.clear();
    }
    if (lock_fd_ >= 0) close(lock_fd_);
    lock_fd_ = -1;
    ready_ = false;
}

bool ContainerTestNetwork::dns_ready() const { return dns_pid_ > 0 && listening("u", gateway_v4_, 53, dns_pid_); }

std::vector<std::string> ContainerTestNetwork::web_requests() const { return lines_of(read_text(web_log_path())); }

std::string ContainerTestNetwork::container_name(const std::string& label) {
    return name_ + "-" + label + std::to_string(containers_made_++);
}

std::vector<std::string> ContainerTestNetwork::run_options() const {
    std::vector<std::string> options{"--pull", "never", "--network", name_, "--dns", gateway_v4_};
    auto limits = ulimit_options();
    options.insert(options.end(), limits.begin(), limits.end());
    return options;
}

std::vector<std::string> ContainerTestNetwork::podman_run_argv(const std::string& name,
                                                               const std::vector<std::string>& command) const {
    std::vector<std::string> argv = podman_base_argv();
    argv.insert(argv.end(), {"run", "--rm", "--name", name});
    auto options = run_options();
    argv.insert(argv.end(), options.begin(), options.end());
    argv.push_back(kTestImage);
    argv.insert(argv.end(), command.begin(), command.end());
    return argv;
}

ContainerRemover::~ContainerRemover() { podman({"rm", "-f", "-t", "0", "--ignore", name_}, 60s); }

// --- TestContainer ------------------------------------------------------------------------

TestContainer::TestContainer(ContainerTestNetwork& net, const std::vector<std::string>& command,
                             const std::string& label) {
    if (!net.ready()) {
        error_ = "the network is not ready: " + net.error();
        return;
    }
    name_ = net.container_name(label);
    gate_dir_ = net.dir() + "/" + name_ + "-gate";
    std::error_code ec;
    fs::create_directories(gate_dir_, ec);
    if (mkfifo((gate_dir_ + "/go").c_str(), 0600) != 0) {
        error_ = "mkfifo failed";
        return;
    }
    std::vector<std::string> args{"run", "-d", "--name", name_};
    auto options = net.run_options();
    args.insert(args.end(), options.begin(), options.end());
    args.insert(args.end(), {"-v", gate_dir_ + ":" + kGateInContainer, kTestImage, "/bin/sh", "-c",
                             std::string("cat ") + kGateInContainer + "/go > /dev/null; exec \"$@\"", "sh"});
    args.insert(args.end(), command.begin(), command.end());
    auto started = podman(args, 120s);
    if (started.exit_code != 0) {
        error_ = "podman run failed (" + std::to_string(started.exit_code) + "): " + first_lines(started.err);
        return;
    }
    id_ = trim(started.out);
    auto inspect = podman(
        {"inspect", "--format", "{{.State.Pid}} {{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name_}, 60s);
    std::istringstream fields(inspect.out);
    fields >> pid_ >> address_;
    if (inspect.exit_code != 0 || pid_ <= 0) {
        error_ = "podman inspect gave no pid: " + inspect.out + inspect.err;
        return;
    }
    // The container waits at its gate, so its first process is alive: its cgroup is where
    // the command will run.
    for (const auto& line : lines_of(read_text("/proc/" + std::to_string(pid_) + "/cgroup")))
        if (line.rfind("0::", 0) == 0) cgroup_ = line.substr(3);
    if (cgroup_.empty() || cgroup_ == "/") {
        error_ = "no cgroup v2 path for the container's process " + std::to_string(pid_) + ": " +
                 read_text("/proc/" + std::to_string(pid_) + "/cgroup");
        return;
    }
    if (!fs::is_directory(cgroup2_mount_for_tests() + cgroup_)) {
        error_ = "the container's cgroup " + cgroup_ + " is not a directory below " + cgroup2_mount_for_tests();
        return;
    }
    // dnsmasq binds the gateway address once the bridge has it (--bind-dynamic).
    for (int i = 0; i < 200 && !net.dns_ready(); ++i) std::this_thread::sleep_for(10ms);
    if (!net.dns_ready()) {
        error_ = "dnsmasq did not bind " + net.gateway_v4() + ":53: " + read_text(net.dns_log_path());
        return;
    }
    ready_ = true;
}

TestContainer::~TestContainer() {
    if (!name_.empty()) podman({"rm", "-f", "-t", "0", "--ignore", name_}, 60s);
    if (!gate_dir_.empty()) {
        std::error_code ignored;
        fs::remove_all(gate_dir_, ignored);
    }
}

bool TestContainer::release(std::string* why) {
    std::string gate = gate_dir_ + "/go";
    // Opening for writing without blocking succeeds once the container's `cat` has it open.
    for (int i = 0; i < 1000; ++i) {
        int fd = open(gate.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0) {
            close(fd);  // the reader sees end of file and the command starts
            return true;
        }
        if (kill(pid_, 0) != 0) break;
        std::this_thread::sleep_for(10ms);
    }
    if (why) *why = "the container never opened its gate (its process " + std::to_string(pid_) + " is gone?)";
    return false;
}

CommandResult TestContainer::wait(std::chrono::milliseconds timeout) {
    CommandResult result;
    auto waited = podman({"wait", "--interval", "50ms", name_}, timeout);
    if (waited.exit_code != 0) {
        result.err = "podman wait failed: " + waited.err;
        return result;
    }
    auto logs = podman({"logs", name_}, 60s);
    result.out = logs.out;
    result.err = logs.err;
    try {
        result.exit_code = std::stoi(trim(waited.out));
    } catch (const std::exception&) {
        result.err += "\npodman wait said: " + waited.out;
    }
    return result;
}

CommandResult TestContainer::run(std::chrono::milliseconds timeout) {
    CommandResult result;
    if (!release(&result.err)) return result;
    return wait(timeout);
}

}  // namespace egresswatch::test
