#include "named_hosts.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "common/subprocess.h"
#include "test_network.h"

namespace egresswatch::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kIp = "/usr/sbin/ip";
constexpr const char* kDnsmasq = "/usr/sbin/dnsmasq";
constexpr const char* kDig = "/usr/bin/dig";
constexpr const char* kOpenssl = "/usr/bin/openssl";
constexpr const char* kUnshare = "/usr/bin/unshare";
constexpr const char* kPython = "/usr/bin/python3";
constexpr const char* kNsPrefix = "ewnames-";

// Whether a TCP connect to addr:port succeeds (the server accepts).
bool tcp_accepts(const std::string& addr, int port) {
    bool v6 = addr.find(':') != std::string::npos;
    int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    timeval tv{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    bool ok = false;
    if (v6) {
        sockaddr_in6 a{};
        a.sin6_family = AF_INET6;
        a.sin6_port = htons(static_cast<std::uint16_t>(port));
        ok = inet_pton(AF_INET6, addr.c_str(), &a.sin6_addr) == 1 &&
             connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    } else {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<std::uint16_t>(port));
        ok = inet_pton(AF_INET, addr.c_str(), &a.sin_addr) == 1 &&
             connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    }
    close(fd);
    return ok;
}

// Runs cmd inside network namespace `ns` (ip netns exec execs the command in place, so the pid is
// the server's).
pid_t spawn_in_netns(const std::string& ns, const std::vector<std::string>& cmd, const std::string& log) {
    std::vector<std::string> args{kIp, "netns", "exec", ns};
    args.insert(args.end(), cmd.begin(), cmd.end());
    return spawn_server(args, log);
}

// Removes what a crashed earlier run of a test binary left: namespaces ewnames-<pid>-<n> and
// temp dirs /tmp/ew-names-<pid>-* whose pid is gone (deleting a namespace deletes its veth
// pair too; its servers died with their parent, see spawn_in_netns).
void remove_stale_leftovers() {
    auto r = run_command({kIp, "netns", "list"}, 10s);
    std::istringstream lines(r.out);
    std::string line;
    while (std::getline(lines, line)) {
        std::string name = line.substr(0, line.find(' '));
        if (name.rfind(kNsPrefix, 0) != 0) continue;
        std::string rest = name.substr(std::string(kNsPrefix).size());
        std::string pid = rest.substr(0, rest.find('-'));
        if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
        if (fs::exists("/proc/" + pid)) continue;
        run_command({kIp, "netns", "del", name}, 10s);
    }
    std::vector<fs::path> stale;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/tmp", ec)) {
        std::string name = entry.path().filename().string();
        if (name.rfind("ew-names-", 0) != 0) continue;
        std::string rest = name.substr(9);
        std::string pid = rest.substr(0, rest.find('-'));
        if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
        if (!fs::exists("/proc/" + pid)) stale.push_back(entry.path());
    }
    for (const auto& path : stale) fs::remove_all(path, ec);
}

std::string tail_of(const std::string& path, std::size_t max = 1500) {
    std::string text = read_text(path);
    return text.size() > max ? "..." + text.substr(text.size() - max) : text;
}

}  // namespace

std::optional<std::string> named_hosts_unavailable_reason() {
    if (geteuid() != 0) return "needs root (create network namespaces, bind-mount resolv.conf)";
    for (const char* tool : {kIp, kDnsmasq, kDig, kOpenssl, kUnshare, kPython, "/usr/bin/curl", "/usr/bin/wget",
                             "/usr/bin/getent", "/usr/bin/mount"})
        if (access(tool, X_OK) != 0) return std::string(tool) + " missing: run scripts/install-deps.sh";
    if (!fs::exists("/etc/resolv.conf"))
        return "/etc/resolv.conf does not exist (or is a dangling link): nothing to bind-mount over";
    return std::nullopt;
}

std::string shell_quote(const std::string& text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

NamedTestHosts::NamedTestHosts() {
    static std::atomic<int> counter{0};
    std::string tag = std::to_string(getpid()) + "-" + std::to_string(counter++);
    ns_ = kNsPrefix + tag;
    veth_host_ = "ewdh" + tag;
    veth_ns_ = "ewdn" + tag;
    if (veth_host_.size() > 15) veth_host_.resize(15);
    if (veth_ns_.size() > 15) veth_ns_.resize(15);
    try {
        ready_ = set_up();
    } catch (const std::exception& e) {
        error_ = std::string("set-up threw: ") + e.what();
        ready_ = false;
    }
}

NamedTestHosts::~NamedTestHosts() { tear_down(); }

bool NamedTestHosts::set_up() {
    if (auto why = named_hosts_unavailable_reason()) {
        error_ = *why;
        return false;
    }
    remove_stale_leftovers();
    if (!pick_subnet()) return false;
    std::string net4 = "198.19." + std::to_string(subnet_) + ".";
    std::string net6 = "fd00:ea:" + std::to_string(subnet_) + "::";
    gateway_v4_ = net4 + "1";
    gateway_v6_ = net6 + "1";
    host_v4_ = net4 + "2";
    host_v6_ = net6 + "2";
    dns_v4_ = net4 + "53";
    dns_v6_ = net6 + "53";

    dir_ = make_temp_dir("ew-names-" + std::to_string(getpid()) + "-");
    if (!write_files()) return false;

    netns_created_ = veth_created_ = true;  // from here on, tear_down() removes whatever exists
    CommandResult setup = sh(veth_namespace_script(ns_, veth_host_, veth_ns_, gateway_v4_, gateway_v6_,
                                                   {host_v4_, dns_v4_}, {host_v6_, dns_v6_}),
                             30s);
    if (setup.exit_code != 0) {
        error_ = "network namespace setup failed: " + setup.err;
        return false;
    }
    if (!start_servers()) return false;
    return wait_ready();
}

// 198.19.N.0/24 and fd00:ea:N::/64 with N in 1..250, held by an flock on a file in /tmp for
// as long as this fixture lives (also across processes), and not on any interface already.
bool NamedTestHosts::pick_subnet() {
    int start = static_cast<int>(getpid() % 250);
    for (int i = 0; i < 250; ++i) {
        int n = 1 + (start + i) % 250;
        std::string lock = "/tmp/egresswatch-named-hosts-" + std::to_string(n) + ".lock";
        int fd = open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) continue;
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            close(fd);
            continue;
        }
        auto in_use = run_command({kIp, "-o", "addr", "show", "to", "198.19." + std::to_string(n) + ".0/24"}, 10s);
        auto in_use6 =
            run_command({kIp, "-o", "-6", "addr", "show", "to", "fd00:ea:" + std::to_string(n) + "::/64"}, 10s);
        if (in_use.exit_code != 0 || !in_use.out.empty() || !in_use6.out.empty()) {
            close(fd);
            continue;
        }
        lock_fd_ = fd;
        subnet_ = n;
        return true;
    }
    error_ = "no free subnet in 198.19.1-250.0/24";
    return false;
}

bool NamedTestHosts::write_files() {
    auto cert = run_command(
        {kOpenssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=mirror.test", "-addext",
         "subjectAltName=DNS:mirror.test,DNS:secure.test,DNS:api.test", "-keyout", key_path(), "-out", cert_path()},
        60s);
    if (cert.exit_code != 0 || !fs::exists(cert_path())) {
        error_ = "openssl could not make the test certificate: " + cert.err;
        return false;
    }
    std::ofstream(resolv_conf_path()) << "# written by egresswatch's NamedTestHosts\n"
                                      << "nameserver " << dns_v4_ << "\n"
                                      << "options timeout:1 attempts:2\n";

    // nsswitch.conf: the machine's own, but hosts from files then DNS only (no mdns, no
    // resolved, no myhostname that could answer for a name first).
    std::ifstream nss_in("/etc/nsswitch.conf");
    std::ostringstream nss;
    std::string line;
    bool hosts_written = false;
    while (std::getline(nss_in, line)) {
        if (line.rfind("hosts:", 0) == 0) {
            nss << "hosts: files dns\n";
            hosts_written = true;
        } else {
            nss << line << "\n";
        }
    }
    if (!hosts_written) nss << "hosts: files dns\n";
    std::ofstream(dir_ + "/nsswitch.conf") << nss.str();

    // hosts: the machine's own, less any line that names something under .test.
    std::ifstream hosts_in("/etc/hosts");
    std::ostringstream hosts;
    while (std::getline(hosts_in, line)) {
        std::istringstream words(line.substr(0, line.find('#')));
        std::string word;
        bool names_test = false;
        while (words >> word)
            if (word.size() >= 5 &&
                (word.compare(word.size() - 5, 5, ".test") == 0 || word.compare(word.size() - 5, 5, ".TEST") == 0))
                names_test = true;
        if (!names_test) hosts << line << "\n";
    }
    std::ofstream(dir_ + "/hosts") << hosts.str();
    return true;
}

bool NamedTestHosts::start_servers() {
    std::string ttl = std::to_string(kTtl);
    std::vector<std::string> dnsmasq{
        kDnsmasq,
        "--keep-in-foreground",
        "--conf-file=/dev/null",
        "--no-resolv",
        "--no-hosts",
        "--no-poll",
        "--pid-file=",
        "--user=root",
        "--port=" + std::to_string(kDnsPort),
        "--bind-interfaces",
        "--listen-address=" + dns_v4_,
        "--listen-address=" + dns_v6_,
        "--local=/#/",  // every name not below is NXDOMAIN, never forwarded
        "--local-ttl=" + ttl,
        "--host-record=mirror.test," + host_v4_ + "," + host_v6_,
        "--host-record=secure.test," + host_v4_ + "," + host_v6_,
        "--host-record=api.test," + host_v4_,
        "--cname=cdn.mirror.test,mirror.test",      // a CNAME's target must be a name dnsmasq knows,
        "--cname=www.mirror.test,cdn.mirror.test",  // which may be another CNAME: a chain
        "--log-queries",
        "--log-facility=" + dns_log_path(),
    };
    dns_pid_ = spawn_in_netns(ns_, dnsmasq, dir_ + "/dnsmasq.out");
    std::vector<std::string> web{kPython,
                                 std::string(TESTPROGS_DIR) + "/web_server.py",
                                 std::to_string(kHttpPort),
                                 std::to_string(kHttpsPort),
                                 cert_path(),
                                 key_path(),
                                 web_log_path()};
    web_pid_ = spawn_in_netns(ns_, web, dir_ + "/web-server.out");
    if (dns_pid_ <= 0 || web_pid_ <= 0) {
        error_ = "could not start the servers (fork or log file failed)";
        return false;
    }
    return true;
}

bool NamedTestHosts::wait_ready() {
    auto deadline = std::chrono::steady_clock::now() + 20s;
    bool dns_ok = false, web_ok = false;
    std::string last_dig;
    while (std::chrono::steady_clock::now() < deadline && !(dns_ok && web_ok)) {
        if (server_exited(dns_pid_) || server_exited(web_pid_)) {
            error_ = std::string(dns_pid_ <= 0 ? "dnsmasq" : "web_server.py") + " exited during set-up" + server_logs();
            return false;
        }
        if (!web_ok)
            web_ok = tcp_accepts(host_v4_, kHttpPort) && tcp_accepts(host_v4_, kHttpsPort) &&
                     tcp_accepts(host_v6_, kHttpPort) && tcp_accepts(host_v6_, kHttpsPort);
        if (!dns_ok) {
            auto udp = run_command({kDig, "@" + dns_v4_, "+time=1", "+tries=1", "+short", "mirror.test", "A"}, 5s);
            auto tcp =
                run_command({kDig, "@" + dns_v6_, "+tcp", "+time=1", "+tries=1", "+short", "mirror.test", "A"}, 5s);
            last_dig = udp.out + udp.err + tcp.out + tcp.err;
            dns_ok = udp.out == host_v4_ + "\n" && tcp.out == host_v4_ + "\n";
        }
        if (!(dns_ok && web_ok)) std::this_thread::sleep_for(50ms);
    }
    if (!dns_ok || !web_ok) {
        error_ = std::string("test servers in ") + ns_ + " did not come up within 20 s:" +
                 (dns_ok ? "" : " dnsmasq does not answer (dig said: " + last_dig + ")") +
                 (web_ok ? "" : " web servers do not accept on ports 80 and 443 over both families") + server_logs();
        return false;
    }
    // The whole client path: private mount namespace, nsswitch, glibc's resolver, dnsmasq.
    auto lookup = sh(with_resolver("getent ahostsv4 mirror.test"), 15s);
    if (lookup.exit_code != 0 || lookup.out.find(host_v4_) == std::string::npos) {
        error_ = "with_resolver() does not resolve mirror.test through dnsmasq (exit " +
                 std::to_string(lookup.exit_code) + "): " + lookup.out + lookup.err;
        return false;
    }
    return true;
}

std::string NamedTestHosts::with_resolver(const std::string& shell_command) const {
    std::string script =
        "mount --bind " + shell_quote(resolv_conf_path()) +
        " /etc/resolv.conf && "
        "{ [ ! -e /etc/nsswitch.conf ] || mount --bind " +
        shell_quote(dir_ + "/nsswitch.conf") +
        " /etc/nsswitch.conf; } && "
        "{ [ ! -e /etc/hosts ] || mount --bind " +
        shell_quote(dir_ + "/hosts") +
        " /etc/hosts; } && "
        "{ [ ! -d /run/nscd ] || mount -t tmpfs ewnames /run/nscd; } && "  // no cached answers from nscd
        "exec /bin/sh -c \"$1\"";
    return std::string(kUnshare) + " --mount --propagation private -- /bin/sh -c " + shell_quote(script) + " sh " +
           shell_quote(shell_command);
}

std::string NamedTestHosts::server_logs() const {
    return "\n--- dnsmasq output:\n" + tail_of(dir_ + "/dnsmasq.out") + "\n--- web_server.py output:\n" +
           tail_of(dir_ + "/web-server.out");
}

void NamedTestHosts::tear_down() {
    stop_server(web_pid_);
    stop_server(dns_pid_);
    if (netns_created_) run_command({kIp, "netns", "del", ns_}, 30s);  // takes the veth pair with it
    if (veth_created_ && fs::exists("/sys/class/net/" + veth_host_)) run_command({kIp, "link", "del", veth_host_}, 30s);
    netns_created_ = veth_created_ = false;
    if (!dir_.empty()) {
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }
    if (lock_fd_ >= 0) close(lock_fd_);
    lock_fd_ = -1;
    ready_ = false;
}

}  // namespace egresswatch::test
