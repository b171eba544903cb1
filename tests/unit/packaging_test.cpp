// What `cmake --install` and `cpack` ship for running egresswatch as a service: the systemd
// unit passes `systemd-analyze verify`, its ExecStart is a command line egresswatch accepts,
// and the .deb holds the binary at the path the unit starts it by; and the Kubernetes
// DaemonSet.
#include <gtest/gtest.h>
#include <unistd.h>

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "cli/options.h"
#include "common/subprocess.h"

using namespace egresswatch;
using namespace egresswatch::test;
namespace fs = std::filesystem;

namespace {

std::string read_all(const std::string& path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// ExecStart's words, without the $EGRESSWATCH_OPTS expansion.
std::vector<std::string> exec_start(const std::string& unit) {
    std::smatch m;
    std::regex line("\\nExecStart=([^\\n]*)");
    EXPECT_TRUE(std::regex_search(unit, m, line)) << unit;
    std::istringstream words(m[1].str());
    std::vector<std::string> out;
    for (std::string w; words >> w;)
        if (w != "$EGRESSWATCH_OPTS") out.push_back(w);
    return out;
}

}  // namespace

TEST(Packaging, TheSystemdUnitVerifies) {
    ASSERT_EQ(access("/usr/bin/systemd-analyze", X_OK), 0) << "run scripts/install-deps.sh (systemd)";
    std::string unit = read_all(SERVICE_UNIT);
    auto argv = exec_start(unit);
    ASSERT_FALSE(argv.empty());
    // verify checks that ExecStart's binary exists: the built one stands in for the installed.
    std::string dir = make_temp_dir("ew-unit-");
    std::string copy = unit;
    copy.replace(copy.find(argv[0]), argv[0].size(), EGRESSWATCH_BINARY);
    std::ofstream(dir + "/egresswatch.service") << copy;
    auto r =
        run_command({"/usr/bin/systemd-analyze", "verify", dir + "/egresswatch.service"}, std::chrono::seconds(60));
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(r.err.find("egresswatch.service"), std::string::npos) << r.err;
    fs::remove_all(dir);

    // Its options are ones egresswatch takes, with the values it means.
    std::vector<const char*> args;
    for (const std::string& a : argv) args.push_back(a.c_str());
    CliRequest req = parse_cli(static_cast<int>(args.size()), args.data());
    EXPECT_EQ(req.command, CommandKind::watch);
    EXPECT_EQ(req.watch.capture.out_dir, "/var/lib/egresswatch");
    EXPECT_TRUE(req.watch.rotation.active());
    EXPECT_NE(unit.find("StateDirectory=egresswatch"), std::string::npos) << "--out is the state directory";
    EXPECT_NE(unit.find("ExecReload=/bin/kill -HUP $MAINPID"), std::string::npos);
}

TEST(Packaging, TheDebHoldsTheUnitAndTheBinaryItStarts) {
    ASSERT_EQ(access("/usr/bin/cpack", X_OK), 0);
    std::string dir = make_temp_dir("ew-deb-");
    auto r = run_command({"/usr/bin/cpack", "--config", std::string(BUILD_DIR) + "/CPackConfig.cmake", "-B", dir},
                         std::chrono::seconds(300));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    std::string deb;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().extension() == ".deb") deb = e.path().string();
    ASSERT_FALSE(deb.empty()) << r.out;
    auto contents = run_command({"/usr/bin/dpkg-deb", "-c", deb}, std::chrono::seconds(60));
    ASSERT_EQ(contents.exit_code, 0) << contents.err;
    auto binary = exec_start(read_all(SERVICE_UNIT)).at(0);
    EXPECT_NE(contents.out.find(" ." + binary + "\n"), std::string::npos) << binary << " in\n" << contents.out;
    EXPECT_NE(contents.out.find("/lib/systemd/system/egresswatch.service\n"), std::string::npos) << contents.out;
    EXPECT_NE(contents.out.find("/share/doc/egresswatch/service.md\n"), std::string::npos) << contents.out;
    auto depends = run_command({"/usr/bin/dpkg-deb", "-f", deb, "Depends"}, std::chrono::seconds(60));
    EXPECT_NE(depends.out.find("libbpf1"), std::string::npos) << depends.out;
    // Loaded only when a Go program is probed, so no linker dependency names it.
    EXPECT_NE(depends.out.find("libcapstone4"), std::string::npos) << depends.out;
    fs::remove_all(dir);
}

// The DaemonSet (packaging/kubernetes/egresswatch-daemonset.yaml): what the agent needs and no
// more, arguments egresswatch takes, every mount backed by a volume; and kubectl decodes it
// (`annotate --local`: no cluster here, and a dry run needs one).
TEST(Packaging, TheDaemonSetGivesWhatTheAgentNeedsAndKubectlReadsIt) {
    std::string path = std::string(PACKAGING_DIR) + "/kubernetes/egresswatch-daemonset.yaml";
    std::vector<YAML::Node> docs = YAML::LoadAllFromFile(path);
    const YAML::Node* ds = nullptr;
    for (const YAML::Node& d : docs)
        if (d["kind"].as<std::string>() == "DaemonSet") ds = &d;
    ASSERT_NE(ds, nullptr);
    YAML::Node pod = (*ds)["spec"]["template"]["spec"];
    EXPECT_TRUE(pod["hostPID"].as<bool>());
    EXPECT_TRUE(pod["hostNetwork"].as<bool>());
    YAML::Node container = pod["containers"][0];
    YAML::Node security = container["securityContext"];
    EXPECT_FALSE(security["privileged"].as<bool>());
    EXPECT_FALSE(security["allowPrivilegeEscalation"].as<bool>());
    EXPECT_TRUE(security["readOnlyRootFilesystem"].as<bool>());
    EXPECT_EQ(security["capabilities"]["drop"][0].as<std::string>(), "ALL");
    // No capability the systemd unit does not grant the same program.
    std::string unit = read_all(SERVICE_UNIT);
    for (const YAML::Node& cap : security["capabilities"]["add"])
        EXPECT_NE(unit.find("CAP_" + cap.as<std::string>()), std::string::npos) << cap.as<std::string>();

    std::vector<std::string> words{"egresswatch"};
    for (const YAML::Node& a : container["args"]) words.push_back(a.as<std::string>());
    std::vector<const char*> args;
    for (const std::string& w : words) args.push_back(w.c_str());
    CliRequest req = parse_cli(static_cast<int>(args.size()), args.data());
    EXPECT_EQ(req.command, CommandKind::watch);
    EXPECT_EQ(req.watch.capture.out_dir, "/var/lib/egresswatch");
    EXPECT_TRUE(req.watch.rotation.active());
    ASSERT_TRUE(req.watch.capture.metrics_listen);
    EXPECT_EQ(req.watch.capture.metrics_listen->port, container["ports"][0]["containerPort"].as<int>());

    std::map<std::string, bool> read_only;
    for (const YAML::Node& m : container["volumeMounts"])
        read_only[m["mountPath"].as<std::string>()] = m["readOnly"] && m["readOnly"].as<bool>();
    for (const char* mount : {"/sys/fs/cgroup", "/sys/kernel/btf", "/var/lib/containers/storage"})
        EXPECT_TRUE(read_only[mount]) << mount << " is mounted read only";
    EXPECT_FALSE(read_only["/var/lib/egresswatch"]) << "--out is written";
    std::set<std::string> volumes;
    for (const YAML::Node& v : pod["volumes"]) volumes.insert(v["name"].as<std::string>());
    for (const YAML::Node& m : container["volumeMounts"])
        EXPECT_TRUE(volumes.contains(m["name"].as<std::string>())) << m["name"].as<std::string>();

    ASSERT_EQ(access("/usr/bin/kubectl", X_OK), 0) << "run scripts/install-deps.sh (kubernetes-client)";
    auto r = run_command(
        {"/usr/bin/kubectl", "annotate", "--local", "-f", path, "egresswatch.test/checked=yes", "-o", "name"},
        std::chrono::seconds(60));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "namespace/egresswatch\ndaemonset.apps/egresswatch\n") << r.err;
}
