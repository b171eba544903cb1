// Real containers (rootful podman, runc) observed by egresswatch, and the container fixture
// itself (tests/kernel/containers.h): what it builds, and that it leaves nothing behind.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <thread>

#include <sstream>

#include "allowlist/allowlist_loader.h"
#include "containers.h"
#include "kernel_env.h"

using namespace egresswatch::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

bool podman_has(const std::string& what, const std::string& name) {
    auto argv = podman_base_argv();
    argv.insert(argv.end(), {what, "exists", name});
    return run_command(argv, 30s).exit_code == 0;
}

bool has_line(const std::vector<std::string>& lines, const std::string& line) {
    return std::find(lines.begin(), lines.end(), line) != lines.end();
}

std::string joined(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

// `egresswatch watch --out DIR`, observing the whole host, until stop(); killed if still running
// when it goes out of scope, so a failed test never leaves its programs attached.
class Watch {
public:
    Watch(const std::string& out_dir, const std::string& err_path, std::vector<std::string> extra = {})
        : out_dir_(out_dir), err_path_(err_path) {
        // --duration only bounds a test that goes wrong; stop() ends it.
        std::vector<std::string> args{"egresswatch", "watch", "--quiet", "--duration", "120s", "--out", out_dir};
        args.insert(args.end(), extra.begin(), extra.end());
        std::vector<char*> argv;
        for (std::string& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        pid_ = fork();
        if (pid_ == 0) {
            int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            dup2(err, 2);
            execv(EGRESSWATCH_BINARY, argv.data());
            _exit(127);
        }
    }
    ~Watch() {
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
    }
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;

    // Whether it has attached: it writes its start record then.
    bool wait_started() {
        for (int i = 0; i < 300; ++i) {
            if (read_text(out_dir_ + "/events.jsonl").find("\"start\"") != std::string::npos) return true;
            if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
                pid_ = -1;
                return false;
            }
            std::this_thread::sleep_for(50ms);
        }
        return false;
    }
    // SIGINT, as Ctrl-C; its exit code, or -1 if it did not exit within 30 s.
    int stop() {
        if (pid_ <= 0) return -1;
        kill(pid_, SIGINT);
        for (int i = 0; i < 600; ++i) {
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            std::this_thread::sleep_for(50ms);
        }
        return -1;
    }
    std::string err() const { return read_text(err_path_); }

private:
    std::string out_dir_, err_path_;
    pid_t pid_ = -1;
};

const json* find_record(const std::vector<json>& events, const std::string& type, const std::string& daddr, int dport,
                        const std::string& cgroup) {
    for (const auto& e : events)
        if (e.value("type", "") == type && e.value("daddr", "") == daddr && e.value("dport", 0) == dport &&
            e.value("cgroup", "") == cgroup)
            return &e;
    return nullptr;
}

std::string records_to(const std::vector<json>& events, const std::string& daddr) {
    std::string out;
    for (const auto& e : events)
        if (e.value("daddr", "") == daddr) out += e.dump() + "\n";
    return out.empty() ? "(none)" : out;
}

// The command lines of the processes whose command line holds `text`, one a line.
std::string processes_mentioning(const std::string& text) {
    std::string found;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        std::string cmdline = read_text(entry.path().string() + "/cmdline");
        std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
        if (cmdline.find(text) != std::string::npos) found += cmdline + "\n";
    }
    return found;
}

double ms_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

// The fixture: a container on the test network reaches the gateway's HTTP server by name
// (dnsmasq on the gateway) and by address, from its own address and in a cgroup of its own;
// and once the fixtures are gone, so are the container, the network, the cgroup and the servers.
TEST(ContainersFixture, RunsAContainerOnItsNetworkAndLeavesNothingBehind) {
    EW_REQUIRE_CONTAINERS();
    auto t0 = std::chrono::steady_clock::now();
    std::optional<ContainerTestNetwork> net;
    net.emplace();
    ASSERT_TRUE(net->ready()) << net->error();
    double network_ms = ms_since(t0);
    std::string network = net->name(), gateway = net->gateway_v4();
    std::string by_name = "http://" + std::string(ContainerTestNetwork::kServerName) + ":" +
                          std::to_string(ContainerTestNetwork::kHttpPort) + "/by-name";

    t0 = std::chrono::steady_clock::now();
    std::optional<TestContainer> c;
    c.emplace(*net, std::vector<std::string>{
                        "sh", "-c", "wget -q -O - " + by_name + " && wget -q -O - " + net->url("/by-address")});
    ASSERT_TRUE(c->ready()) << c->error();
    double start_ms = ms_since(t0);
    std::string container = c->name(), cgroup = c->cgroup(), address = c->address();
    EXPECT_FALSE(c->id().empty());
    EXPECT_NE(cgroup.find(c->id()), std::string::npos) << "cgroup " << cgroup << " does not name " << c->id();
    EXPECT_TRUE(std::filesystem::is_directory(cgroup2_mount_for_tests() + cgroup)) << cgroup;
    EXPECT_EQ(address.rfind(gateway.substr(0, gateway.rfind('.') + 1), 0), 0u) << address;
    EXPECT_NE(address, gateway);

    t0 = std::chrono::steady_clock::now();
    auto r = c->run();
    double run_ms = ms_since(t0);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(r.out, "hello from the gateway\nhello from the gateway\n") << r.err;
    auto requests = net->web_requests();
    EXPECT_TRUE(has_line(requests, address + " GET " + ContainerTestNetwork::kServerName + ":8080 /by-name"))
        << joined(requests);
    EXPECT_TRUE(has_line(requests, address + " GET " + gateway + ":8080 /by-address")) << joined(requests);
    std::string dns_log = read_text(net->dns_log_path());
    EXPECT_NE(dns_log.find(std::string("query[A] ") + ContainerTestNetwork::kServerName + " from " + address),
              std::string::npos)
        << dns_log;

    t0 = std::chrono::steady_clock::now();
    c.reset();
    double remove_ms = ms_since(t0);
    t0 = std::chrono::steady_clock::now();
    net.reset();
    double network_remove_ms = ms_since(t0);
    std::cerr << "[ timing   ] network and servers up " << network_ms << " ms; container at its gate " << start_ms
              << " ms; released until exit " << run_ms << " ms; container removed " << remove_ms
              << " ms; network and servers removed " << network_remove_ms << " ms\n";

    EXPECT_FALSE(podman_has("container", container)) << container << " left behind";
    EXPECT_FALSE(podman_has("network", network)) << network << " left behind";
    EXPECT_FALSE(std::filesystem::exists(cgroup2_mount_for_tests() + cgroup)) << cgroup << " left behind";
    auto listening = run_command({"/usr/bin/ss", "-Hltun", "src", gateway}, 10s);
    EXPECT_EQ(listening.out, "") << "servers left behind on " << gateway;
}

// A test binary that dies without running its destructors leaves a container and a network;
// the next fixture removes them (its servers died with it).
TEST(ContainersFixture, RemovesWhatACrashedTestLeft) {
    EW_REQUIRE_CONTAINERS();
    int names[2];
    // Close-on-exec: podman and the conmon it leaves running must not hold the write end, or
    // reading to the end would wait for them.
    ASSERT_EQ(pipe2(names, O_CLOEXEC), 0);
    pid_t child = fork();
    if (child == 0) {
        close(names[0]);
        ContainerTestNetwork net;
        TestContainer c(net, {"sleep", "60"});
        std::string line =
            net.ready() && c.ready() ? net.name() + " " + c.name() + "\n" : "failed: " + net.error() + c.error() + "\n";
        (void)!write(names[1], line.data(), line.size());
        _exit(0);  // no destructors: as if it had crashed
    }
    close(names[1]);
    std::string line;
    char buf[512];
    for (ssize_t got; line.find('\n') == std::string::npos && (got = read(names[0], buf, sizeof(buf))) > 0;)
        line.append(buf, static_cast<std::size_t>(got));
    close(names[0]);
    waitpid(child, nullptr, 0);
    ASSERT_EQ(line.rfind("failed", 0), std::string::npos) << line;
    std::string network = line.substr(0, line.find(' '));
    std::string container = line.substr(line.find(' ') + 1, line.find('\n') - line.find(' ') - 1);
    ASSERT_TRUE(podman_has("network", network)) << network;
    ASSERT_TRUE(podman_has("container", container)) << container;
    // Its servers died with it.
    std::string servers;
    for (int i = 0; i < 40; ++i) {
        servers = processes_mentioning("/tmp/" + network + "-");
        if (servers.empty()) break;
        std::this_thread::sleep_for(50ms);
    }
    EXPECT_EQ(servers, "") << "servers of the crashed test still running";

    ContainerTestNetwork net;
    ASSERT_TRUE(net.ready()) << net.error();
    EXPECT_FALSE(podman_has("container", container)) << container << " left behind";
    EXPECT_FALSE(podman_has("network", network)) << network << " left behind";
}

namespace {

// The container's request as watch recorded it: a connect and an http record to the server,
// both in the container's cgroup; and the server's own line for it.
void expect_fetch_in_cgroup(const std::vector<json>& events, const ContainerTestNetwork& net, const TestContainer& c,
                            const std::string& path) {
    auto requests = net.web_requests();
    EXPECT_TRUE(has_line(requests, c.address() + " GET " + net.gateway_v4() + ":8080 " + path)) << joined(requests);
    ASSERT_FALSE(events.empty()) << "watch wrote nothing";
    const json* connect = find_record(events, "connect", net.gateway_v4(), ContainerTestNetwork::kHttpPort, c.cgroup());
    ASSERT_NE(connect, nullptr) << "no connect to " << net.gateway_v4() << ":8080 in cgroup " << c.cgroup()
                                << "; the records to that address:\n"
                                << records_to(events, net.gateway_v4());
    EXPECT_EQ((*connect)["proto"], "tcp");
    EXPECT_EQ((*connect)["comm"], "wget");
    // The container by name, from its cgroup and what podman keeps on disk.
    const json expected_container{
        {"id", c.id()}, {"name", c.name()}, {"image", std::string(kTestImage) + ":latest"}, {"runtime", "podman"}};
    EXPECT_EQ((*connect)["container"], expected_container) << connect->dump();
    const json* http = find_record(events, "http", net.gateway_v4(), ContainerTestNetwork::kHttpPort, c.cgroup());
    ASSERT_NE(http, nullptr) << "no http record in cgroup " << c.cgroup() << "; the records to that address:\n"
                             << records_to(events, net.gateway_v4());
    EXPECT_EQ((*http)["method"], "GET");
    EXPECT_EQ((*http)["path"], path);
    EXPECT_EQ((*http)["status"], 200);
    EXPECT_EQ((*http)["cookie"], (*connect)["cookie"]);
    EXPECT_EQ((*http)["container"], expected_container) << http->dump();
}

}  // namespace

// `watch` over the whole host sees a container's connect and HTTP request, and gives them the
// container's cgroup and identity. The container is created (its process waiting at the gate)
// before watch starts, and its command runs once watch is attached.
TEST(Containers, WatchSeesAContainerFetchingOverHttp) {
    EW_REQUIRE_CONTAINERS();
    ContainerTestNetwork net;
    ASSERT_TRUE(net.ready()) << net.error();
    TestContainer c(net, {"wget", "-q", "-O", "-", net.url("/x")});
    ASSERT_TRUE(c.ready()) << c.error();
    TempDir out_dir("ew-containers-watch-");
    const std::string& out = out_dir.path;
    Watch watch(out, net.dir() + "/watch.err");
    ASSERT_TRUE(watch.wait_started()) << "watch did not start: " << watch.err();

    auto r = c.run();
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(r.out, "hello from the gateway\n") << r.err;
    ASSERT_EQ(watch.stop(), 0) << watch.err();
    expect_fetch_in_cgroup(read_events(out), net, c, "/x");
}

// The image (scripts/build-image.sh) run as packaging/kubernetes/egresswatch-daemonset.yaml runs
// it, under podman: the host's PID and network namespaces, the DaemonSet's capabilities and no
// others, a read-only root, the cgroup tree, BTF and podman's storage mounted read only, and its
// --out on the host. It sees a container on the host fetch over HTTP, by the container's name.
namespace {

// `podman` with the tests' options, then `args`.
CommandResult podman_command(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
    std::vector<std::string> argv = podman_base_argv();
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, timeout);
}

std::string first_word(const std::string& text) {
    std::istringstream words(text);
    std::string word;
    words >> word;
    return word;
}

}  // namespace

TEST(Containers, TheImageRunAsTheDaemonSetSeesAContainerOnTheHost) {
    EW_REQUIRE_CONTAINERS();
    auto built = run_command({"/bin/bash", std::string(SCRIPTS_DIR) + "/build-image.sh", EGRESSWATCH_BINARY}, 300s);
    ASSERT_EQ(built.exit_code, 0) << built.out << built.err;
    std::string image = first_word(built.out);
    // What egresswatch loads by name (ldd does not list it) is in the image too.
    auto libraries = run_command({"/bin/bash", std::string(SCRIPTS_DIR) + "/dlopened-libraries.sh"}, 30s);
    ASSERT_EQ(libraries.exit_code, 0) << libraries.err;
    for (const std::string& library : lines_of(libraries.out)) {
        std::vector<std::string> argv = ulimit_options();
        argv.insert(argv.begin(), {"run", "--rm"});
        for (const std::string& a :
             {std::string("--entrypoint"), std::string("/bin/sh"), image, std::string("-c"), "test -f " + library})
            argv.push_back(a);
        auto has = podman_command(argv, 120s);
        EXPECT_EQ(has.exit_code, 0) << library << " is not in the image " << image << ": " << has.err;
    }
    ContainerTestNetwork net;
    ASSERT_TRUE(net.ready()) << net.error();
    TestContainer c(net, {"wget", "-q", "-O", "-", net.url("/from-the-image")});
    ASSERT_TRUE(c.ready()) << c.error();
    TempDir out_dir("ew-containers-image-");
    std::string agent = net.container_name("agent");
    ContainerRemover remove_agent(agent);
    std::vector<std::string> argv = ulimit_options();
    argv.insert(argv.begin(), {"run", "-d"});
    for (const std::string& a : std::initializer_list<std::string>{
             "--name", agent.c_str(), "--pid", "host", "--network", "host", "--read-only", "--cap-drop", "all",
             "--cap-add", "BPF,PERFMON,SYS_ADMIN,NET_ADMIN,SYS_PTRACE,DAC_READ_SEARCH,SYS_RESOURCE",
             // Kubernetes runs a pod without a seccomp profile unless told to (as the DaemonSet is not).
             "--security-opt", "seccomp=unconfined", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:ro", "-v",
             "/sys/kernel/btf:/sys/kernel/btf:ro", "-v", "/var/lib/containers/storage:/var/lib/containers/storage:ro",
             "-v", "/run/containers/storage:/run/containers/storage:ro", "-v", out_dir.path + ":/var/lib/egresswatch",
             "--tmpfs", "/tmp", image.c_str(), "watch", "--quiet", "--out", "/var/lib/egresswatch", "--duration",
             "90s"})
        argv.push_back(a);
    auto started = podman_command(argv, 120s);
    ASSERT_EQ(started.exit_code, 0) << started.err;
    std::string events = out_dir.path + "/events.jsonl";
    for (int i = 0; i < 300 && read_text(events).find("\"start\"") == std::string::npos; ++i) usleep(100 * 1000);
    auto logs = [&] { return podman_command({"logs", agent}, 30s).err; };
    ASSERT_NE(read_text(events).find("\"start\""), std::string::npos) << "the agent did not start: " << logs();

    auto r = c.run();
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    // SIGINT, as for Ctrl-C: the watch writes everything and exits 0.
    auto stop = podman_command({"kill", "--signal", "INT", agent}, 60s);
    EXPECT_EQ(stop.exit_code, 0) << stop.err;
    auto waited = podman_command({"wait", agent}, 120s);
    EXPECT_EQ(first_word(waited.out), "0") << logs();
    expect_fetch_in_cgroup(read_events(out_dir.path), net, c, "/from-the-image");
}

// A container started while watch runs: its cgroup is made during the session and named from the
// kernel's cgroup_mkdir event. Before that, CgroupNames rescanned the tree at most once a second
// and answered "" in between, so a container that started and connected within that second had
// "cgroup": "" on every record.
TEST(Containers, WatchNamesTheCgroupOfAContainerStartedDuringTheSession) {
    EW_REQUIRE_CONTAINERS();
    ContainerTestNetwork net;
    ASSERT_TRUE(net.ready()) << net.error();
    TempDir out_dir("ew-containers-watch-");
    const std::string& out = out_dir.path;
    Watch watch(out, net.dir() + "/watch.err");
    ASSERT_TRUE(watch.wait_started()) << "watch did not start: " << watch.err();

    TestContainer c(net, {"wget", "-q", "-O", "-", net.url("/y")});
    ASSERT_TRUE(c.ready()) << c.error();
    auto r = c.run();
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    ASSERT_EQ(watch.stop(), 0) << watch.err();
    auto events = read_events(out);
    expect_fetch_in_cgroup(events, net, c, "/y");
    // The container's first program, exec'd while the cgroup was new.
    bool named_exec = false;
    for (const auto& e : events_of_type(events, "exec"))
        if (e["pid"] == c.pid() && e["filename"] == "/bin/sh") named_exec = e["cgroup"] == c.cgroup();
    EXPECT_TRUE(named_exec) << "the exec of the container's /bin/sh is not in cgroup " << c.cgroup();
}

// `watch --container NAME` observes that container alone: another container fetching from the
// same server at the same time is not reported.
TEST(Containers, WatchOneContainerByName) {
    EW_REQUIRE_CONTAINERS();
    ContainerTestNetwork net;
    ASSERT_TRUE(net.ready()) << net.error();
    TestContainer watched(net, {"wget", "-q", "-O", "-", net.url("/watched")}, "w");
    TestContainer other(net, {"wget", "-q", "-O", "-", net.url("/other")}, "o");
    ASSERT_TRUE(watched.ready()) << watched.error();
    ASSERT_TRUE(other.ready()) << other.error();
    TempDir out_dir("ew-containers-one-");
    const std::string& out = out_dir.path;
    Watch watch(out, net.dir() + "/watch.err", {"--container", watched.name()});
    ASSERT_TRUE(watch.wait_started()) << "watch did not start: " << watch.err();

    EXPECT_EQ(other.run().exit_code, 0);
    EXPECT_EQ(watched.run().exit_code, 0);
    ASSERT_EQ(watch.stop(), 0) << watch.err();
    auto events = read_events(out);
    EXPECT_EQ(events.front()["cgroup"], watched.cgroup()) << events.front().dump();
    expect_fetch_in_cgroup(events, net, watched, "/watched");
    for (const json& e : events)
        EXPECT_FALSE(e.contains("path") && e["path"] == "/other") << "the other container reported: " << e.dump();
    EXPECT_TRUE(has_line(net.web_requests(), other.address() + " GET " + net.gateway_v4() + ":8080 /other"))
        << "the other container did not fetch: the test proved nothing";
}

namespace {

// The record of `type` to the gateway (or, for dns, asking for kServerName) from a container.
std::optional<json> container_record(const std::vector<json>& events, const std::string& type,
                                     const ContainerTestNetwork& net) {
    for (const json& e : events_of_type(events, type)) {
        bool to_gateway = type == "dns" ? e.value("question", "") == ContainerTestNetwork::kServerName
                                        : e.value("daddr", "") == net.gateway_v4() &&
                                              e.value("dport", 0) == ContainerTestNetwork::kHttpPort;
        if (to_gateway) return e;
    }
    return std::nullopt;
}

// The container a record names: the one called `name`, run by podman from the test image, with
// the id its cgroup path carries.
void expect_named_container(const json& record, const std::string& name) {
    ASSERT_TRUE(record.contains("container")) << record.dump();
    const json& c = record["container"];
    EXPECT_EQ(c["name"], name) << record.dump();
    EXPECT_EQ(c["image"], std::string(kTestImage) + ":latest") << record.dump();
    EXPECT_EQ(c["runtime"], "podman") << record.dump();
    std::string id = c.value("id", "");
    EXPECT_EQ(id.size(), 64u) << record.dump();
    EXPECT_NE(record.value("cgroup", "").find(id), std::string::npos) << record.dump();
}

// `egresswatch run [OPTIONS] -- podman run --rm ... sh -c SCRIPT` in a container called `name`.
CommandResult run_podman_under_egresswatch(const ContainerTestNetwork& net, const std::string& out,
                                           const std::string& name, const std::string& script,
                                           const std::vector<std::string>& options = {}) {
    std::vector<std::string> args{"run", "--quiet", "--out", out};
    args.insert(args.end(), options.begin(), options.end());
    args.push_back("--");
    auto podman_run = net.podman_run_argv(name, {"sh", "-c", script});
    args.insert(args.end(), podman_run.begin(), podman_run.end());
    return run_egresswatch(args);
}

}  // namespace

// `egresswatch run -- podman run ...`: the container's cgroup is made by runc, started by the
// command, outside the run's cgroup; it joins the run as it is made (bpf/lib/followed_cgroups.bpf.h).
// Its name lookup, connect and HTTP request are reported with the container's identity, and the
// destination is in allowlist.yaml. Before, the run reported no destination at all.
TEST(Containers, RunFollowsAContainer) {
    EW_REQUIRE_CONTAINERS();
    ContainerTestNetwork net;
    ASSERT_TRUE(net.ready()) << net.error();
    std::string name = net.container_name("run");
    ContainerRemover remover(name);
    TempDir out_dir("ew-containers-run-");
    const std::string& out = out_dir.path;
    std::string url = "http://" + std::string(ContainerTestNetwork::kServerName) + ":" +
                      std::to_string(ContainerTestNetwork::kHttpPort) + "/run";

    auto r = run_podman_under_egresswatch(net, out, name, "wget -q -O - " + url);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("hello from the gateway"), std::string::npos) << r.out << r.err;
    auto requests = net.web_requests();
    ASSERT_EQ(requests.size(), 1u) << joined(requests);
    EXPECT_NE(requests[0].find(" GET " + std::string(ContainerTestNetwork::kServerName) + ":8080 /run"),
              std::string::npos)
        << requests[0];

    auto events = read_events(out);
    for (const char* type : {"connect", "dns", "http"}) {
        SCOPED_TRACE(type);
        auto record = container_record(events, type, net);
        ASSERT_TRUE(record.has_value()) << "no " << type << " record from the container; the records to "
                                        << net.gateway_v4() << ":\n"
                                        << records_to(events, net.gateway_v4());
        expect_named_container(*record, name);
    }
    EXPECT_EQ(container_record(events, "connect", net)->value("comm", ""), "wget");
    // busybox runs its applets by executing itself as /proc/self/exe: the file it runs is named.
    EXPECT_EQ(container_record(events, "connect", net)->value("exe", ""), "/bin/busybox");
    bool wget_exec = false;
    for (const json& e : events_of_type(events, "exec"))
        if (e.value("comm", "") == "wget" || (e.contains("argv") && !e["argv"].empty() && e["argv"][0] == "wget"))
            wget_exec = e.value("exe", "") == "/bin/busybox";
    EXPECT_TRUE(wget_exec) << "no exec of wget with exe /bin/busybox";
    EXPECT_EQ(container_record(events, "http", net)->value("path", ""), "/run");
    EXPECT_NE(events.front()["kernel_features"].value("follow_containers", ""), "") << events.front().dump();

    auto allowlist = egresswatch::load_allowlist_file(out + "/allowlist.yaml");
    auto gateway = egresswatch::IpAddress::parse(net.gateway_v4());
    ASSERT_TRUE(gateway.has_value());
    // The entry says which image reached it; the run's own processes reached nothing there.
    auto listed_with_image = [&](const egresswatch::Allowlist& list) {
        for (const auto& entry : list.destinations)
            for (const auto& cidr : entry.addresses)
                if (cidr.contains(*gateway) && entry.ports.contains(ContainerTestNetwork::kHttpPort) &&
                    entry.proto == egresswatch::AllowProto::tcp)
                    return entry.images == std::vector<std::string>{std::string(kTestImage) + ":latest"};
        return false;
    };
    EXPECT_TRUE(listed_with_image(allowlist)) << read_text(out + "/allowlist.yaml");
    json report = json::parse(read_text(out + "/report.json"));
    bool reported = false;
    for (const json& d : report["destinations"])
        if (d.value("address", "") == net.gateway_v4() && d.value("port", 0) == ContainerTestNetwork::kHttpPort)
            reported = d.value("containers", json::array()) == json::array({name});
    EXPECT_TRUE(reported) << report["destinations"].dump();

    // `report` rebuilds the same from events.jsonl, and its summary groups by image.
    TempDir again("ew-containers-report-");
    auto rebuilt = run_egresswatch({"report", out + "/events.jsonl", "--out", again.path});
    ASSERT_EQ(rebuilt.exit_code, 0) << rebuilt.err;
    EXPECT_TRUE(listed_with_image(egresswatch::load_allowlist_file(again.path + "/allowlist.yaml")))
        << read_text(again.path + "/allowlist.yaml");
    std::string summary = rebuilt.out + rebuilt.err;
    auto table = summary.find("Containers, by image:");
    ASSERT_NE(table, std::string::npos) << summary;
    std::string row = summary.substr(summary.find(kTestImage, table));
    row = row.substr(0, row.find('\n'));
    EXPECT_NE(row.find(net.gateway_v4()), std::string::npos) << summary;
    EXPECT_NE(row.find(name), std::string::npos) << summary;
}

// --follow-containers off: the run is blind to the container again, as it was before following
// existed (and says so in no record): the test that following is what makes the difference.
TEST(Containers, RunWithFollowingOffDoesNotSeeTheContainer) {
    EW_REQUIRE_CONTAINERS();
    ContainerTestNetwork net;
    ASSERT_TRUE(net.ready()) << net.error();
    std::string name = net.container_name("off");
    ContainerRemover remover(name);
    TempDir out_dir("ew-containers-off-");
    const std::string& out = out_dir.path;

    auto r =
        run_podman_under_egresswatch(net, out, name, "wget -q -O - " + net.url("/off"), {"--follow-containers", "off"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(net.web_requests().size(), 1u) << "the container did not fetch: the test proved nothing";
    auto events = read_events(out);
    EXPECT_FALSE(container_record(events, "connect", net).has_value()) << records_to(events, net.gateway_v4());
    EXPECT_FALSE(events.front()["kernel_features"].contains("follow_containers")) << events.front().dump();
}

// --enforce covers the containers a run follows: the container's fetch of an allowed name works
// (its answer came from the resolver given with --resolver, the container's own), and its connect
// to a port the allowlist does not name is refused and reported as blocked, with the container.
TEST(Containers, RunEnforcesTheAllowlistInAFollowedContainer) {
    EW_REQUIRE_CONTAINERS();
    ContainerTestNetwork net;
    ASSERT_TRUE(net.ready()) << net.error();
    std::string name = net.container_name("enforce");
    ContainerRemover remover(name);
    TempDir out_dir("ew-containers-enforce-");
    const std::string& out = out_dir.path;
    std::string allowlist = out + "-allow.yaml";
    {
        std::ofstream file(allowlist);
        file << "version: 1\ndestinations:\n  - host: " << ContainerTestNetwork::kServerName
             << "\n    port: " << ContainerTestNetwork::kHttpPort << "\n    proto: tcp\n";
    }
    std::string allowed = "http://" + std::string(ContainerTestNetwork::kServerName) + ":" +
                          std::to_string(ContainerTestNetwork::kHttpPort) + "/allowed";
    std::string refused = "http://" + net.gateway_v4() + ":8081/refused";

    auto r = run_podman_under_egresswatch(
        net, out, name, "wget -q -O - " + allowed + " && ! wget -q -O - " + refused + " && echo refused-ok",
        {"--enforce", allowlist, "--resolver", net.gateway_v4()});
    std::filesystem::remove(allowlist);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("hello from the gateway"), std::string::npos) << r.out << r.err;
    EXPECT_NE(r.out.find("refused-ok"), std::string::npos) << r.out << r.err;

    auto events = read_events(out);
    std::optional<json> blocked;
    for (const json& e : events_of_type(events, "blocked"))
        if (e.value("daddr", "") == net.gateway_v4() && e.value("dport", 0) == 8081) blocked = e;
    ASSERT_TRUE(blocked.has_value()) << records_to(events, net.gateway_v4());
    expect_named_container(*blocked, name);
    auto connect = container_record(events, "connect", net);
    ASSERT_TRUE(connect.has_value()) << records_to(events, net.gateway_v4());
    EXPECT_FALSE(connect->contains("verdict")) << "allowed connects carry no verdict: " << connect->dump();
    EXPECT_EQ(connect->value("host", ""), ContainerTestNetwork::kServerName) << connect->dump();
}

// fail-closed lets nothing the command started go on unenforced: a container it left running
// (`podman run -d`) is killed when the run ends, and when egresswatch is killed, by the run's
// janitor. fail-open leaves it running, unobserved, and says so.
TEST(Containers, FailClosedKillsTheContainersTheRunFollowed) {
    EW_REQUIRE_CONTAINERS();
    ContainerTestNetwork net;
    ASSERT_TRUE(net.ready()) << net.error();
    TempDir out_dir("ew-containers-closed-");
    std::string allowlist = out_dir.path + "/allow.yaml";
    std::ofstream(allowlist) << "version: 1\ndestinations: []\n";
    // Whether the container's first process lives. Not podman's state: fail-closed kills conmon
    // with the run's cgroup, and nobody is left to tell podman that the container exited.
    auto pid_of = [](const std::string& name) {
        auto argv = podman_base_argv();
        argv.insert(argv.end(), {"inspect", "--format", "{{.State.Pid}}", name});
        auto r = run_command(argv, 30s);
        return r.exit_code == 0 ? std::atoi(r.out.c_str()) : 0;
    };
    auto alive = [](int pid) {
        if (pid <= 0) return false;
        std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
        auto close = stat.rfind(')');
        return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
    };
    auto running = [&](const std::string& name) { return alive(pid_of(name)); };
    auto stopped_within = [&](int pid, std::chrono::seconds limit) {
        for (auto end = std::chrono::steady_clock::now() + limit; std::chrono::steady_clock::now() < end;) {
            if (!alive(pid)) return true;
            std::this_thread::sleep_for(100ms);
        }
        return false;
    };
    auto detached = [&](const std::string& name) {
        auto argv = podman_base_argv();
        argv.insert(argv.end(), {"run", "-d", "--name", name});
        auto options = net.run_options();
        argv.insert(argv.end(), options.begin(), options.end());
        argv.insert(argv.end(), {kTestImage, "sleep", "300"});
        return argv;
    };

    for (const std::string mode : {"fail-closed", "fail-open"}) {
        SCOPED_TRACE(mode);
        std::string name = net.container_name(mode);
        ContainerRemover remover(name);
        TempDir out("ew-containers-closed-run-");
        std::vector<std::string> args{"run",     "--quiet",        "--out", out.path, "--enforce",
                                      allowlist, "--enforce-mode", mode,    "--"};
        for (const auto& a : detached(name)) args.push_back(a);
        auto r = run_egresswatch(args);
        ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
        if (mode == "fail-closed") {
            EXPECT_NE(r.err.find("they were killed"), std::string::npos) << r.err;
            EXPECT_TRUE(stopped_within(pid_of(name), 10s)) << "the container the run left behind is still running";
        } else {
            EXPECT_NE(r.err.find("no longer observed"), std::string::npos) << r.err;
            EXPECT_TRUE(running(name)) << "fail-open must leave the container alone";
        }
    }

    // egresswatch killed while the container runs: the janitor kills it.
    std::string name = net.container_name("janitor");
    ContainerRemover remover(name);
    TempDir out("ew-containers-janitor-");
    std::string script;
    for (const auto& a : detached(name)) script += "'" + a + "' ";
    std::string argv_text = "exec " + std::string(EGRESSWATCH_BINARY) + " run --quiet --out " + out.path +
                            " --enforce " + allowlist + " -- sh -c \"" + script + " >/dev/null && sleep 300\"";
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", argv_text.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    int container_pid = 0;
    for (int i = 0; i < 600 && !alive(container_pid); ++i) {
        std::this_thread::sleep_for(100ms);
        container_pid = pid_of(name);
    }
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    ASSERT_TRUE(alive(container_pid)) << "the container did not start under the run";
    EXPECT_TRUE(stopped_within(container_pid, 15s)) << "egresswatch died and the container it followed goes on";
}

// A container made during the run by a runtime outside it (here podman started by the test, as
// dockerd would be): not followed by default, followed with --follow-containers any.
TEST(Containers, RunFollowsContainersMadeOutsideItOnlyWhenAsked) {
    EW_REQUIRE_CONTAINERS();
    ContainerTestNetwork net;
    ASSERT_TRUE(net.ready()) << net.error();
    for (const std::string mode : {"started", "any"}) {
        SCOPED_TRACE(mode);
        TempDir out_dir("ew-containers-any-");
        const std::string& out = out_dir.path;
        std::string started = out + "/started", done = out + "/done";
        CommandResult run;
        std::string address;
        std::thread runner([&] {
            run = run_egresswatch({"run", "--quiet", "--out", out, "--follow-containers", mode, "--", "sh", "-c",
                                   "touch " + started + "; while [ ! -e " + done + " ]; do sleep 0.05; done"});
        });
        for (int i = 0; i < 400 && !std::filesystem::exists(started); ++i) std::this_thread::sleep_for(25ms);
        {
            TestContainer c(net, {"wget", "-q", "-O", "-", net.url("/" + mode)}, mode.substr(0, 1));
            address = c.address();
            if (c.ready())
                EXPECT_EQ(c.run().exit_code, 0);
            else
                ADD_FAILURE() << c.error();
        }
        std::ofstream(done).close();
        runner.join();
        ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
        ASSERT_TRUE(has_line(net.web_requests(), address + " GET " + net.gateway_v4() + ":8080 /" + mode))
            << joined(net.web_requests());
        auto events = read_events(out);
        auto connect = container_record(events, "connect", net);
        if (mode == "any") {
            ASSERT_TRUE(connect.has_value()) << records_to(events, net.gateway_v4());
            EXPECT_EQ(connect->value("comm", ""), "wget");
            ASSERT_TRUE(connect->contains("container")) << connect->dump();
        } else {
            EXPECT_FALSE(connect.has_value()) << "a container made outside the run was followed: " << connect->dump();
        }
    }
}

// A container that lives for less than 50 ms, from its program's exec to its exit, removed by
// podman (--rm) as soon as it ends: its connect is still named, with its image. The cgroup's
// name comes from the kernel's event, and the container's files are read when its first record
// is, within one ring buffer read (10 ms), not when a report is written.
TEST(Containers, AContainerOfFiftyMillisecondsIsNamed) {
    EW_REQUIRE_CONTAINERS();
    ContainerTestNetwork net;
    ASSERT_TRUE(net.ready()) << net.error();
    std::string name = net.container_name("brief");
    ContainerRemover remover(name);
    TempDir out_dir("ew-containers-brief-");
    const std::string& out = out_dir.path;
    std::vector<std::string> args{"run", "--quiet", "--out", out, "--"};
    auto podman_run = net.podman_run_argv(name, {"wget", "-q", "-O", "/dev/null", net.url("/brief")});
    args.insert(args.end(), podman_run.begin(), podman_run.end());
    auto r = run_egresswatch(args);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

    auto events = read_events(out);
    auto connect = container_record(events, "connect", net);
    ASSERT_TRUE(connect.has_value()) << records_to(events, net.gateway_v4());
    expect_named_container(*connect, name);
    // How long it lived: its program's exec to its exit, by the kernel's timestamps.
    std::string exec_ts, exit_ts;
    for (const json& e : events) {
        if (e.value("pid", 0) != connect->value("pid", 0)) continue;
        if (e["type"] == "exec" && e.value("filename", "") != "/proc/self/exe") exec_ts = e.value("ts", "");
        if (e["type"] == "exit") exit_ts = e.value("ts", "");
    }
    ASSERT_FALSE(exec_ts.empty() || exit_ts.empty()) << "no exec or exit of the container's wget";
    // "2026-11-30T00:12:56.384038Z": seconds and microseconds are enough within one minute.
    auto micros = [](const std::string& ts) {
        return std::stoll(ts.substr(17, 2)) * 1000000 + std::stoll(ts.substr(20, 6));
    };
    long long lived_us = (micros(exit_ts) - micros(exec_ts) + 60000000) % 60000000;
    EXPECT_LT(lived_us, 50000) << "the container lived " << lived_us << " us: the test needs a briefer one";
}
