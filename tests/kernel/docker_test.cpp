// Docker under `egresswatch run`: a real dockerd (Debian's docker.io, tests/kernel/docker.h)
// starts the containers of `docker run` and the RUN steps of `docker build` from its own
// containerd or from itself, never from the client the run started. So only
// `--follow-containers any` follows them; the default says that it did not.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "allowlist/allowlist_loader.h"
#include "docker.h"
#include "kernel_env.h"
#include "test_network.h"

using namespace egresswatch::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

std::string url(const TestNetwork& net, const std::string& path) {
    return "http://" + net.v4() + ":" + std::to_string(TestNetwork::kTcpPort) + path;
}

// The first record of `type` to the test host that names a container.
std::optional<json> container_record(const std::vector<json>& events, const std::string& type, const TestNetwork& net) {
    for (const json& e : events_of_type(events, type))
        if (e.value("daddr", "") == net.v4() && e.contains("container")) return e;
    return std::nullopt;
}

std::string records_to(const std::vector<json>& events, const TestNetwork& net) {
    std::string out;
    for (const json& e : events)
        if (e.value("daddr", "") == net.v4()) out += e.dump() + "\n";
    return out.empty() ? "(none)" : out;
}

bool hex64(const std::string& s) {
    return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// The allowlist entry for the test host's HTTP port, if any.
std::optional<egresswatch::AllowEntry> entry_for(const std::string& out, const TestNetwork& net) {
    auto list = egresswatch::load_allowlist_file(out + "/allowlist.yaml");
    auto address = egresswatch::IpAddress::parse(net.v4());
    for (const auto& entry : list.destinations)
        for (const auto& cidr : entry.addresses)
            if (cidr.contains(*address) && entry.ports.contains(TestNetwork::kTcpPort)) return entry;
    return std::nullopt;
}

class Docker : public ::testing::Test {
protected:
    std::string name(const std::string& label) const {
        return "egresswatch-test-" + std::to_string(getpid()) + "-" + label;
    }
};

}  // namespace

// `docker run`: its container is made by containerd's shim, outside the run, and followed with
// `any` from the moment its cgroup (/docker/<id>) appears. Its connect and HTTP request carry
// Docker's id, name and image (read from /var/lib/docker), and its destination enters the
// allowlist with that image.
TEST_F(Docker, RunFollowsDockerRunWithAny) {
    EW_REQUIRE_DOCKER();
    TestNetwork net;
    ASSERT_TRUE(net.ready()) << net.error();
    DockerDaemon docker;
    ASSERT_TRUE(docker.ready()) << docker.error();
    TempDir out("ew-docker-run-");
    std::string container = name("run");
    std::vector<std::string> args{"run", "--quiet", "--out", out.path, "--follow-containers", "any", "--"};
    for (const auto& a :
         DockerDaemon::argv({"run", "--rm", "--pull", "never", "--network", "host", "--label", docker.label(), "--name",
                             container, kTestImage, "wget", "-q", "-O", "-", url(net, "/docker-run")}))
        args.push_back(a);
    auto r = run_egresswatch(args);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(r.out, "ok") << "the container did not fetch: " << r.err;

    auto events = read_events(out.path);
    for (const char* type : {"connect", "http"}) {
        SCOPED_TRACE(type);
        auto record = container_record(events, type, net);
        ASSERT_TRUE(record.has_value()) << "no " << type << " record from the container:\n" << records_to(events, net);
        const json& c = (*record)["container"];
        EXPECT_EQ(c.value("runtime", ""), "docker") << c.dump();
        EXPECT_EQ(c.value("name", ""), container) << c.dump();
        EXPECT_EQ(c.value("image", ""), kTestImage) << "as `docker run` was given it: " << c.dump();
        EXPECT_TRUE(hex64(c.value("id", ""))) << c.dump();
        EXPECT_EQ(record->value("cgroup", ""), "/docker/" + c.value("id", "")) << record->dump();
        // runc executes the applet by its link's name here, which names the program.
        EXPECT_EQ(record->value("exe", ""), "/bin/wget") << record->dump();
    }
    EXPECT_EQ(container_record(events, "http", net)->value("path", ""), "/docker-run");
    auto entry = entry_for(out.path, net);
    ASSERT_TRUE(entry.has_value()) << read_text(out.path + "/allowlist.yaml");
    EXPECT_EQ(entry->images, std::vector<std::string>{kTestImage}) << read_text(out.path + "/allowlist.yaml");
}

// The default follows only containers the run's own tasks make: Docker's are not, and the run
// says so instead of reporting nothing.
TEST_F(Docker, RunSaysItDidNotFollowDockerByDefault) {
    EW_REQUIRE_DOCKER();
    TestNetwork net;
    ASSERT_TRUE(net.ready()) << net.error();
    DockerDaemon docker;
    ASSERT_TRUE(docker.ready()) << docker.error();
    TempDir out("ew-docker-default-");
    std::vector<std::string> args{"run", "--out", out.path, "--"};
    for (const auto& a :
         DockerDaemon::argv({"run", "--rm", "--pull", "never", "--network", "host", "--label", docker.label(),
                             kTestImage, "wget", "-q", "-O", "-", url(net, "/docker-default")}))
        args.push_back(a);
    auto r = run_egresswatch(args);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("ok"), std::string::npos) << "the container did not fetch: " << r.err;
    auto events = read_events(out.path);
    EXPECT_FALSE(container_record(events, "connect", net).has_value()) << records_to(events, net);
    EXPECT_NE(r.err.find("made during the run by a runtime outside it and not followed"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("--follow-containers any"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("/docker/"), std::string::npos) << r.err;
}

// `docker build`: a RUN step that fetches over HTTP is followed with `any`, with BuildKit
// (dockerd runs the step itself, in /docker/buildkit/<id>, with nothing on disk to name it)
// and with the legacy builder (a real container, named from /var/lib/docker).
TEST_F(Docker, RunFollowsDockerBuildRunStepsWithAny) {
    EW_REQUIRE_DOCKER();
    TestNetwork net;
    ASSERT_TRUE(net.ready()) << net.error();
    DockerDaemon docker;
    ASSERT_TRUE(docker.ready()) << docker.error();
    for (std::string buildkit : {"1", "0"}) {
        SCOPED_TRACE("DOCKER_BUILDKIT=" + buildkit);
        TempDir context("ew-docker-context-");
        std::string path = "/docker-build-" + buildkit;
        {
            std::ofstream dockerfile(context.path + "/Dockerfile");
            dockerfile << "FROM " << kTestImage << "\nLABEL " << docker.label() << "\nRUN wget -q -O - "
                       << url(net, path) << "\n";
        }
        std::string tag = name("build-" + buildkit);
        TempDir out("ew-docker-build-");
        std::vector<std::string> args{"run",
                                      "--quiet",
                                      "--out",
                                      out.path,
                                      "--follow-containers",
                                      "any",
                                      "--",
                                      "/usr/bin/env",
                                      "DOCKER_BUILDKIT=" + buildkit};
        for (const auto& a : DockerDaemon::argv({"build", "--network", "host", "--no-cache", "-t", tag, context.path}))
            args.push_back(a);
        auto r = run_egresswatch(args, 300s);
        run_command(DockerDaemon::argv({"rmi", "-f", tag}), 60s);
        ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

        auto events = read_events(out.path);
        auto http = container_record(events, "http", net);
        ASSERT_TRUE(http.has_value()) << "no request from the RUN step:\n" << records_to(events, net) << r.err;
        EXPECT_EQ(http->value("path", ""), path);
        const json& c = (*http)["container"];
        if (buildkit == "1") {
            EXPECT_EQ(c.value("runtime", ""), "buildkit") << c.dump();
            EXPECT_NE(http->value("cgroup", "").find("/docker/buildkit/"), std::string::npos) << http->dump();
        } else {
            EXPECT_EQ(c.value("runtime", ""), "docker") << c.dump();
            EXPECT_TRUE(hex64(c.value("id", ""))) << c.dump();
            EXPECT_FALSE(c.value("name", "").empty()) << "Docker names the step's container: " << c.dump();
            EXPECT_FALSE(c.value("image", "").empty()) << "the image the step runs on, by id: " << c.dump();
        }
        auto entry = entry_for(out.path, net);
        ASSERT_TRUE(entry.has_value()) << read_text(out.path + "/allowlist.yaml");
        EXPECT_FALSE(entry->images.empty()) << read_text(out.path + "/allowlist.yaml");
    }
}

// `docker-compose up` (Debian's docker-compose 1.29): the service's container is dockerd's, as
// with `docker run`, and named as compose names it (<project>_<service>_1).
TEST_F(Docker, RunFollowsDockerComposeWithAny) {
    EW_REQUIRE_DOCKER();
    ASSERT_EQ(access("/usr/bin/docker-compose", X_OK), 0) << "run scripts/install-deps.sh (docker-compose)";
    TestNetwork net;
    ASSERT_TRUE(net.ready()) << net.error();
    DockerDaemon docker;
    ASSERT_TRUE(docker.ready()) << docker.error();
    TempDir project("ew-docker-compose-");
    std::string file = project.path + "/docker-compose.yml";
    {
        std::string label = docker.label();
        std::ofstream yml(file);
        yml << "version: \"3\"\nservices:\n  fetch:\n    image: " << kTestImage
            << "\n    network_mode: host\n    labels:\n      " << label.substr(0, label.find('=')) << ": \""
            << label.substr(label.find('=') + 1) << "\"\n    command: [\"wget\", \"-q\", \"-O\", \"-\", \""
            << url(net, "/compose") << "\"]\n";
    }
    std::string name = this->name("compose");
    std::vector<std::string> compose{"/usr/bin/docker-compose", "--no-ansi", "-p", name, "-f", file};
    auto with = [&](std::vector<std::string> args) {
        std::vector<std::string> argv = compose;
        argv.insert(argv.end(), args.begin(), args.end());
        return argv;
    };
    TempDir out("ew-docker-compose-out-");
    std::vector<std::string> args{"run", "--quiet", "--out", out.path, "--follow-containers", "any", "--"};
    for (const auto& a : with({"up", "--abort-on-container-exit", "--no-color"})) args.push_back(a);
    auto r = run_egresswatch(args, 300s);
    run_command(with({"down", "--remove-orphans"}), 120s);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

    auto events = read_events(out.path);
    auto http = container_record(events, "http", net);
    ASSERT_TRUE(http.has_value()) << "no request from the service:\n" << records_to(events, net) << r.out << r.err;
    EXPECT_EQ(http->value("path", ""), "/compose");
    const json& c = (*http)["container"];
    EXPECT_EQ(c.value("runtime", ""), "docker") << c.dump();
    EXPECT_EQ(c.value("name", ""), name + "_fetch_1") << c.dump();
    EXPECT_EQ(c.value("image", ""), kTestImage) << c.dump();
    auto entry = entry_for(out.path, net);
    ASSERT_TRUE(entry.has_value()) << read_text(out.path + "/allowlist.yaml");
    EXPECT_EQ(entry->images, std::vector<std::string>{kTestImage}) << read_text(out.path + "/allowlist.yaml");
}
