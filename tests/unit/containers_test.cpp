// Container identity: cgroup paths as the runtimes write them, the runtimes' files (fixtures in
// tests/fixtures/containers, see its README), and the cache the pipeline asks.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "common/subprocess.h"
#include "containers/bounded_file.h"
#include "containers/cgroup_path.h"
#include "containers/container_book.h"
#include "containers/container_cgroup.h"
#include "containers/oci_config.h"
#include "containers/podman_containers.h"
#include "containers/runtime_state.h"

using namespace egresswatch;
namespace fs = std::filesystem;

namespace {

const std::string kFixtures = std::string(FIXTURES_DIR) + "/containers/";

// Real ids: the podman containers on the machine the fixtures were taken on.
const std::string kPodmanWeb = "cd5b31d652a2d822cc45fbdd5d60586d6b27ecbfc9eb052380c647e9dc775497";
const std::string kPodmanInPod = "c9fce40206ddcb026adba5c5b5bf06895dd989e7961b59b551b69fcb3ec7247c";
const std::string kPodmanKubeWeb = "6b25ae1893331d30180f43401f369651b29c00b3f6d60c88732f8d2b7adf812a";
const std::string kPodmanKubePod = "986ef720e9c0528e8ea84ada6d08b6ec20339d91b18835d0d5d36903f90acd82";
// Made-up ids of the right shape, used in the synthetic fixtures.
const std::string kContainerdWeb = "4cd2179b1170fb50cfa670ad7adbcf0ac82a951aaebfe2f824108003c9a45b3a";
const std::string kContainerdSandbox = "2df877913fed005c20b7406bd7307343818cb211d90abb34d27884f8c06f2b09";
const std::string kShopUid = "1ed5bb9b-355b-483f-a876-56e1eb743239";
const std::string kShopUidSystemd = "1ed5bb9b_355b_483f_a876_56e1eb743239";
const std::string kCrioApi = "bc1a218bbbf2f9d252c681c710db34397f68aacaefe9013d9c22dd144af1a1d7";
const std::string kCrioSandbox = "649db9a155b7061e7db4e3af25a899b423358af2947cdcebac408ee6d4648ed8";
const std::string kBillingUid = "1fcfef54-e86c-4388-b950-8fc0ec40fa79";
const std::string kBillingUidSystemd = "1fcfef54_e86c_4388_b950_8fc0ec40fa79";
const std::string kDockerWeb = "db106f5b6208a23888ab743339a4de0d1a4648f47c8246c0b440729682b1345a";
const std::string kDockerRedis = "bee2a4741cb34eaf8c85d926d8600f0178c58b831475efda58d2e615b44bc548";
const std::string kCacheUid = "7b1e3c52-9a4f-4d2e-8c61-0f5a2d9e4b13";
const std::string kStaticPodUid = "36b6d6be73b1065af369b3985edafa09";  // a static pod: its manifest's hash
const std::string kBuildkitStep = "qv2d2xmvqj4bt5wbs6tlzp9pm";

CgroupContainer plain(Runtime runtime, const std::string& id) {
    CgroupContainer c;
    c.runtime = runtime;
    c.id = id;
    return c;
}

CgroupContainer in_pod(Runtime runtime, const std::string& id, const std::string& uid, PodQos qos) {
    CgroupContainer c = plain(runtime, id);
    c.pod_uid = uid;
    c.qos = qos;
    return c;
}

struct PathCase {
    const char* what;
    std::string path;
    CgroupContainer want;
};

std::vector<PathCase> container_paths() {
    const std::string kp =
        "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + kShopUidSystemd + ".slice/";
    CgroupContainer nested_build = in_pod(Runtime::buildkit, kBuildkitStep, kShopUid, PodQos::burstable);
    nested_build.pod_container_id = kContainerdWeb;
    nested_build.pod_container_runtime = Runtime::containerd;
    CgroupContainer dind = in_pod(Runtime::docker, kDockerWeb, kCacheUid, PodQos::besteffort);
    dind.pod_container_id = kDockerRedis;
    return {
        // Docker
        {"docker, cgroupfs driver", "/docker/" + kDockerWeb, plain(Runtime::docker, kDockerWeb)},
        {"docker, systemd driver", "/system.slice/docker-" + kDockerWeb + ".scope", plain(Runtime::docker, kDockerWeb)},
        {"docker, systemd in the container", "/system.slice/docker-" + kDockerWeb + ".scope/init.scope",
         plain(Runtime::docker, kDockerWeb)},
        {"docker in docker", "/docker/" + kDockerRedis + "/docker/" + kDockerWeb, plain(Runtime::docker, kDockerWeb)},
        {"docker --cgroup-parent (GitHub's hosted runners)", "/actions_job/" + kDockerWeb,
         plain(Runtime::unknown, kDockerWeb)},
        // BuildKit: the RUN steps of docker build
        {"buildkit in dockerd, cgroupfs", "/docker/buildkit/" + kBuildkitStep, plain(Runtime::buildkit, kBuildkitStep)},
        {"buildkit in dockerd, systemd", "/system.slice/docker-" + kBuildkitStep + ".scope",
         plain(Runtime::buildkit, kBuildkitStep)},
        {"standalone buildkitd", "/buildkit/" + kBuildkitStep, plain(Runtime::buildkit, kBuildkitStep)},
        // podman, as it really is on this machine (cgroupfs manager, hybrid layout)
        {"podman rootful, cgroupfs (real)", "/libpod_parent/libpod-" + kPodmanWeb, plain(Runtime::podman, kPodmanWeb)},
        {"podman pod without infra (real)", "/libpod_parent/libpod-" + kPodmanInPod,
         plain(Runtime::podman, kPodmanInPod)},
        {"podman kube play pod (real)", "/libpod_parent/" + kPodmanKubePod + "/libpod-" + kPodmanKubeWeb,
         plain(Runtime::podman, kPodmanKubeWeb)},
        // podman with systemd
        {"podman rootful, systemd", "/machine.slice/libpod-" + kPodmanWeb + ".scope",
         plain(Runtime::podman, kPodmanWeb)},
        {"podman pod, systemd",
         "/machine.slice/machine-libpod_pod_" + kPodmanKubePod + ".slice/libpod-" + kPodmanKubeWeb + ".scope",
         plain(Runtime::podman, kPodmanKubeWeb)},
        {"podman rootless", "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + kPodmanWeb + ".scope",
         plain(Runtime::podman, kPodmanWeb)},
        {"podman rootless pod",
         "/user.slice/user-1000.slice/user@1000.service/user.slice/user-libpod_pod_" + kPodmanKubePod +
             ".slice/libpod-" + kPodmanKubeWeb + ".scope",
         plain(Runtime::podman, kPodmanKubeWeb)},
        {"podman, crun's container subgroup", "/machine.slice/libpod-" + kPodmanWeb + ".scope/container",
         plain(Runtime::podman, kPodmanWeb)},
        {"podman --cgroups=split",
         "/user.slice/user-1000.slice/user@1000.service/app.slice/run-r3f1.scope/libpod-payload-" + kPodmanWeb,
         plain(Runtime::podman, kPodmanWeb)},
        // kubelet, cgroupfs driver
        {"kubelet cgroupfs, besteffort", "/kubepods/besteffort/pod" + kShopUid + "/" + kContainerdWeb,
         in_pod(Runtime::unknown, kContainerdWeb, kShopUid, PodQos::besteffort)},
        {"kubelet cgroupfs, burstable", "/kubepods/burstable/pod" + kShopUid + "/" + kContainerdWeb,
         in_pod(Runtime::unknown, kContainerdWeb, kShopUid, PodQos::burstable)},
        {"kubelet cgroupfs, guaranteed", "/kubepods/pod" + kShopUid + "/" + kContainerdWeb,
         in_pod(Runtime::unknown, kContainerdWeb, kShopUid, PodQos::guaranteed)},
        {"kubelet cgroupfs, cri-o", "/kubepods/burstable/pod" + kBillingUid + "/crio-" + kCrioApi,
         in_pod(Runtime::crio, kCrioApi, kBillingUid, PodQos::burstable)},
        {"kubelet cgroupfs, static pod", "/kubepods/burstable/pod" + kStaticPodUid + "/" + kContainerdWeb,
         in_pod(Runtime::unknown, kContainerdWeb, kStaticPodUid, PodQos::burstable)},
        // kubelet, systemd driver
        {"kubelet systemd, containerd", kp + "cri-containerd-" + kContainerdWeb + ".scope",
         in_pod(Runtime::containerd, kContainerdWeb, kShopUid, PodQos::burstable)},
        {"kubelet systemd, containerd sandbox", kp + "cri-containerd-" + kContainerdSandbox + ".scope",
         in_pod(Runtime::containerd, kContainerdSandbox, kShopUid, PodQos::burstable)},
        {"kubelet systemd, besteffort cri-o",
         "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + kBillingUidSystemd + ".slice/crio-" +
             kCrioApi + ".scope",
         in_pod(Runtime::crio, kCrioApi, kBillingUid, PodQos::besteffort)},
        {"kubelet systemd, guaranteed",
         "/kubepods.slice/kubepods-pod" + kShopUidSystemd + ".slice/cri-containerd-" + kContainerdWeb + ".scope",
         in_pod(Runtime::containerd, kContainerdWeb, kShopUid, PodQos::guaranteed)},
        {"kubelet systemd, cri-dockerd",
         "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + kCacheUid.substr(0, 8) + "_" +
             kCacheUid.substr(9, 4) + "_" + kCacheUid.substr(14, 4) + "_" + kCacheUid.substr(19, 4) + "_" +
             kCacheUid.substr(24) + ".slice/docker-" + kDockerRedis + ".scope",
         in_pod(Runtime::docker, kDockerRedis, kCacheUid, PodQos::besteffort)},
        {"kind's kubelet slice",
         "/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod" +
             kShopUidSystemd + ".slice/cri-containerd-" + kContainerdWeb + ".scope",
         in_pod(Runtime::containerd, kContainerdWeb, kShopUid, PodQos::besteffort)},
        {"a pod in a kind node (a docker container)",
         "/docker/" + kDockerWeb + kp + "cri-containerd-" + kContainerdWeb + ".scope",
         in_pod(Runtime::containerd, kContainerdWeb, kShopUid, PodQos::burstable)},
        {"systemd inside a pod's container",
         kp + "cri-containerd-" + kContainerdWeb + ".scope/system.slice/cron.service",
         in_pod(Runtime::containerd, kContainerdWeb, kShopUid, PodQos::burstable)},
        // containerd's systemd-style cgroupsPath taken literally by runc with the cgroupfs driver
        {"containerd colon form under containerd.service",
         "/system.slice/containerd.service/kubepods-besteffort-pod" + kShopUidSystemd +
             ".slice:cri-containerd:" + kContainerdWeb,
         in_pod(Runtime::containerd, kContainerdWeb, kShopUid, PodQos::besteffort)},
        {"containerd colon form, static pod",
         "/system.slice/containerd.service/kubepods-burstable-pod" + kStaticPodUid +
             ".slice:cri-containerd:" + kContainerdWeb,
         in_pod(Runtime::containerd, kContainerdWeb, kStaticPodUid, PodQos::burstable)},
        {"containerd colon form at the root (youki)",
         "/kubepods-besteffort-pod" + kShopUidSystemd + ".slice:cri-containerd:" + kContainerdWeb,
         in_pod(Runtime::containerd, kContainerdWeb, kShopUid, PodQos::besteffort)},
        {"nerdctl, systemd", "/system.slice/nerdctl-" + kContainerdWeb + ".scope",
         plain(Runtime::containerd, kContainerdWeb)},
        // nesting inside a pod: the innermost container, the pod around it
        {"a build inside a pod's container",
         kp + "cri-containerd-" + kContainerdWeb + ".scope/buildkit/" + kBuildkitStep, nested_build},
        {"docker in docker inside a pod",
         "/kubepods/besteffort/pod" + kCacheUid + "/" + kDockerRedis + "/docker/" + kDockerWeb, dind},
        // odd but harmless spellings
        {"trailing slash", "/docker/" + kDockerWeb + "/", plain(Runtime::docker, kDockerWeb)},
    };
}

TEST(CgroupPath, NamesTheContainerOfEachRuntimesPaths) {
    for (const PathCase& c : container_paths()) {
        SCOPED_TRACE(std::string(c.what) + ": " + c.path);
        auto got = container_from_cgroup(c.path);
        ASSERT_TRUE(got);
        EXPECT_EQ(*got, c.want);
    }
}

TEST(CgroupPath, RefusesPathsThatAreNoContainers) {
    const std::string kp =
        "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + kShopUidSystemd + ".slice";
    const std::vector<std::pair<const char*, std::string>> cases = {
        {"the root", "/"},
        {"empty", ""},
        {"a systemd service", "/system.slice/ssh.service"},
        {"a user session", "/user.slice/user-1000.slice/session-3.scope"},
        {"egresswatch's own run cgroup", "/egresswatch-run-4121"},
        {"podman's conmon (its real v1 path here; v2 on a pure cgroup v2 host)", "/libpod_parent/conmon"},
        {"podman's conmon on this machine's cgroup v2 (real)", "/"},
        {"podman's conmon, systemd", "/machine.slice/libpod-conmon-" + kPodmanWeb + ".scope"},
        {"podman's conmon in a pod (real v1 path)", "/libpod_parent/" + kPodmanKubePod + "/conmon"},
        {"podman's pod cgroup (real)", "/libpod_parent/" + kPodmanKubePod},
        {"CRI-O's conmon, systemd", kp + "/crio-conmon-" + kCrioApi + ".scope"},
        {"CRI-O's conmon, cgroupfs", "/kubepods/burstable/pod" + kBillingUid + "/crio-conmon-" + kCrioApi},
        {"a pod's own cgroup", kp},
        {"the kubepods slices", "/kubepods.slice/kubepods-burstable.slice"},
        {"docker's parent", "/docker"},
        {"the buildkit parent", "/docker/buildkit"},
        {"id one short", "/docker/" + kDockerWeb.substr(1)},
        {"id one long", "/docker/" + kDockerWeb + "0"},
        {"id not hex", "/docker/" + kDockerWeb.substr(1) + "g"},
        {"id in capitals",
         "/system.slice/docker-DB106F5B6208A23888AB743339A4DE0D1A4648F47C8246C0B440729682B1345A.scope"},
        {"scope without id", "/system.slice/docker-.scope"},
        {"wrong suffix", "/system.slice/docker-" + kDockerWeb + ".service"},
        {"buildkit id outside buildkit", "/docker/" + kBuildkitStep},
        {"buildkit id with a capital", "/docker/buildkit/" + std::string("Qv2d2xmvqj4bt5wbs6tlzp9pm")},
        {"dot-dot", "/docker/" + kDockerWeb + "/.."},
        {"dot-dot inside", "/docker/../docker/" + kDockerWeb},
        {"dot", "/docker/./" + kDockerWeb},
        {"relative", "docker/" + kDockerWeb},
        {"a NUL", "/docker/" + kDockerWeb + std::string(1, '\0') + "x"},
        {"too long", "/docker/" + kDockerWeb + "/" + std::string(kMaxCgroupPathLength, 'a')},
        {"colon form, unknown prefix", "/kubepods-besteffort-pod" + kShopUidSystemd + ".slice:runc:" + kContainerdWeb},
        {"colon form, short id", "/kubepods-besteffort-pod" + kShopUidSystemd + ".slice:cri-containerd:abc"},
        {"colon form, four parts", "/a.slice:cri-containerd:" + kContainerdWeb + ":x"},
    };
    for (const auto& [what, path] : cases) {
        SCOPED_TRACE(what);
        EXPECT_FALSE(container_from_cgroup(path)) << path;
    }
}

// /proc/<pid>/cgroup of real podman containers and their conmon, every hierarchy's line: each
// container's path names it, and conmon's (/libpod_parent/conmon in v1, / in v2) names none.
TEST(CgroupPath, RealPodmanProcCgroup) {
    std::optional<std::string> want;  // the container the lines below belong to, if any
    int containers = 0, monitors = 0;
    for (const std::string& line : test::lines_of(test::read_text(kFixtures + "podman/proc-cgroup.txt"))) {
        if (line.starts_with("# ")) {
            const std::size_t open = line.find('(');
            want.reset();
            if (open != std::string::npos) want = line.substr(open + 1, 64);
            if (want)
                ++containers;
            else
                ++monitors;
            continue;
        }
        const std::string path = line.substr(line.find(':', line.find(':') + 1) + 1);
        SCOPED_TRACE(line);
        auto got = container_from_cgroup(path);
        if (!want) {
            EXPECT_FALSE(got);
            continue;
        }
        ASSERT_TRUE(got);
        EXPECT_EQ(got->id, *want);
        EXPECT_EQ(got->runtime, Runtime::podman);
        EXPECT_EQ(got->pod_uid, "");
    }
    EXPECT_EQ(containers, 4);
    EXPECT_EQ(monitors, 4);
}

TEST(CgroupPath, PodUidsMustBeWellFormed) {
    // A malformed pod UID leaves the container, without a pod.
    const std::string mixed = "1ed5bb9b-355b_483f-a876-56e1eb743239";
    auto got = container_from_cgroup("/kubepods/burstable/pod" + mixed + "/" + kContainerdWeb);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->pod_uid, "");
    got = container_from_cgroup("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + kShopUid +
                                "x.slice/cri-containerd-" + kContainerdWeb + ".scope");
    ASSERT_TRUE(got);
    EXPECT_EQ(got->pod_uid, "");
    // pod<uid> is a pod only under kubepods.
    got = container_from_cgroup("/elsewhere/pod" + kShopUid + "/" + kContainerdWeb);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->pod_uid, "");
    EXPECT_EQ(got->qos, PodQos::none);
}

TEST(CgroupPath, Names) {
    EXPECT_EQ(runtime_name(Runtime::crio), "cri-o");
    EXPECT_EQ(runtime_name(Runtime::podman), "podman");
    EXPECT_EQ(runtime_name(Runtime::unknown), "");
    EXPECT_EQ(qos_name(PodQos::besteffort), "BestEffort");
    EXPECT_EQ(qos_name(PodQos::none), "");
}

// --- OCI bundles -----------------------------------------------------------------------------

TEST(OciConfig, ContainerdKubernetesContainer) {
    auto got = read_oci_identity(kFixtures + "containerd/web.config.json");
    ASSERT_TRUE(got);
    EXPECT_EQ(got->writer, Runtime::containerd);
    EXPECT_FALSE(got->sandbox);
    EXPECT_EQ(got->container_name, "web");
    EXPECT_EQ(got->image, "docker.io/library/nginx:1.25");
    EXPECT_EQ(got->pod_namespace, "shop");
    EXPECT_EQ(got->pod_name, "shop-7d9f8c6b5-x2kqp");
    EXPECT_EQ(got->pod_uid, kShopUid);
    EXPECT_EQ(got->sandbox_id, kContainerdSandbox);
}

TEST(OciConfig, ContainerdSandbox) {
    auto got = read_oci_identity(kFixtures + "containerd/sandbox.config.json");
    ASSERT_TRUE(got);
    EXPECT_EQ(got->writer, Runtime::containerd);
    EXPECT_TRUE(got->sandbox);
    EXPECT_EQ(got->container_name, "");
    EXPECT_EQ(got->image, "registry.k8s.io/pause:3.9");
    EXPECT_EQ(got->pod_name, "shop-7d9f8c6b5-x2kqp");
}

TEST(OciConfig, CrioKubernetesContainer) {
    auto got = read_oci_identity(kFixtures + "crio/api.config.json");
    ASSERT_TRUE(got);
    EXPECT_EQ(got->writer, Runtime::crio);
    EXPECT_FALSE(got->sandbox);
    EXPECT_EQ(got->container_name, "api");
    EXPECT_EQ(got->image, "quay.io/acme/billing-api:2.4.1");
    EXPECT_EQ(got->pod_namespace, "billing");
    EXPECT_EQ(got->pod_name, "billing-5c8d7f9b4-qwz7m");
    EXPECT_EQ(got->pod_uid, kBillingUid);
    EXPECT_EQ(got->sandbox_id, kCrioSandbox);
}

TEST(OciConfig, CrioSandboxIsNoneOfThePodsContainers) {
    auto got = read_oci_identity(kFixtures + "crio/sandbox.config.json");
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->sandbox);
    EXPECT_EQ(got->container_name, "");  // its label says "POD"
    EXPECT_EQ(got->pod_name, "billing-5c8d7f9b4-qwz7m");
    EXPECT_EQ(got->image, "registry.k8s.io/pause:3.9");
}

TEST(OciConfig, CrioLabelsJsonWhenTheLabelsAreNotCopied) {
    auto got = oci_identity_from_json(R"({"annotations": {
        "io.container.manager": "cri-o",
        "io.kubernetes.cri-o.Image": "quay.io/acme/api:1",
        "io.kubernetes.cri-o.Labels": "{\"io.kubernetes.container.name\":\"api\",\"io.kubernetes.pod.name\":\"p\",\"io.kubernetes.pod.namespace\":\"ns\",\"io.kubernetes.pod.uid\":\"u\"}"}})");
    ASSERT_TRUE(got);
    EXPECT_EQ(got->container_name, "api");
    EXPECT_EQ(got->pod_name, "p");
    EXPECT_EQ(got->pod_namespace, "ns");
    EXPECT_EQ(got->pod_uid, "u");
    EXPECT_EQ(got->image, "quay.io/acme/api:1");
}

TEST(OciConfig, RealPodmanBundlesHaveNoNames) {
    auto web = read_oci_identity(kFixtures + "podman/web.config.json");
    ASSERT_TRUE(web);
    EXPECT_EQ(web->writer, Runtime::podman);
    EXPECT_EQ(web->container_name, "");
    EXPECT_EQ(web->image, "");
    EXPECT_EQ(web->sandbox_id, "");
    // A container of `podman kube play`: only its pod's infra container.
    auto kube = read_oci_identity(kFixtures + "podman/kube-web.config.json");
    ASSERT_TRUE(kube);
    EXPECT_EQ(kube->writer, Runtime::podman);
    EXPECT_EQ(kube->sandbox_id, "13b82926b12654564a9dd79371e1adf5264577257f7e446fb28f254c8f3d7bc9");
    EXPECT_EQ(kube->pod_name, "");
}

TEST(OciConfig, OddInputIsNoIdentity) {
    EXPECT_FALSE(oci_identity_from_json(""));
    EXPECT_FALSE(oci_identity_from_json("[]"));
    EXPECT_FALSE(oci_identity_from_json("{\"annotations\": {"));
    EXPECT_FALSE(read_oci_identity(kFixtures + "no-such-file.json"));
    // Wrong types and oversized values read as absent.
    auto got = oci_identity_from_json(R"({"annotations": {"io.kubernetes.cri.container-type": "container",
        "io.kubernetes.cri.container-name": 7, "io.kubernetes.cri.sandbox-name": ")" +
                                      std::string(5000, 'x') + R"("}})");
    ASSERT_TRUE(got);
    EXPECT_EQ(got->container_name, "");
    EXPECT_EQ(got->pod_name, "");
    got = oci_identity_from_json(R"({"annotations": "none"})");
    ASSERT_TRUE(got);
    EXPECT_EQ(got->writer, Runtime::unknown);
}

// --- podman's and Docker's state ----------------------------------------------------------------

TEST(RuntimeState, RealPodmanContainersJson) {
    const std::string text = test::read_text(kFixtures + "podman/containers.json");
    auto web = podman_state_from_json(text, kPodmanWeb);
    ASSERT_TRUE(web);
    EXPECT_EQ(web->name, "ctr-i17-web");
    EXPECT_EQ(web->image, "localhost/ctr-i17-bbtest:latest");
    auto infra = podman_state_from_json(text, "13b82926b12654564a9dd79371e1adf5264577257f7e446fb28f254c8f3d7bc9");
    ASSERT_TRUE(infra);
    EXPECT_EQ(infra->name, "986ef720e9c0-infra");
    EXPECT_EQ(infra->image, "localhost/podman-pause:4.3.1-0");
    EXPECT_FALSE(podman_state_from_json(text, kDockerWeb));
}

TEST(RuntimeState, PodmanFallsBackToMetadataAndImageId) {
    auto got = podman_state_from_json(R"([{"id": "x", "names": [], "image": "9beaa4dbc1d1",
        "metadata": "{\"name\":\"from-metadata\"}"}])",
                                      "x");
    ASSERT_TRUE(got);
    EXPECT_EQ(got->name, "from-metadata");
    EXPECT_EQ(got->image, "9beaa4dbc1d1");
    got = podman_state_from_json(R"([{"id": "x", "metadata": "not json"}, 5, "y"])", "x");
    ASSERT_TRUE(got);
    EXPECT_EQ(got->name, "");
    EXPECT_FALSE(podman_state_from_json("{}", "x"));
    EXPECT_FALSE(podman_state_from_json("[{\"id\": \"x\"", "x"));
}

TEST(RuntimeState, DockerConfigV2) {
    auto web = docker_state_from_json(test::read_text(kFixtures + "docker/web.config.v2.json"));
    ASSERT_TRUE(web);
    EXPECT_EQ(web->name, "web");
    EXPECT_EQ(web->image, "nginx:1.25-alpine");
    EXPECT_EQ(web->pod_name, "");
    auto redis = docker_state_from_json(test::read_text(kFixtures + "docker/k8s-redis.config.v2.json"));
    ASSERT_TRUE(redis);
    EXPECT_EQ(redis->name, "k8s_redis_cache-6f7d9c8b5-m4n8p_shop_" + kCacheUid + "_0");
    EXPECT_EQ(redis->pod_namespace, "shop");
    EXPECT_EQ(redis->pod_name, "cache-6f7d9c8b5-m4n8p");
    EXPECT_EQ(redis->pod_uid, kCacheUid);
    EXPECT_EQ(redis->pod_container, "redis");
    EXPECT_FALSE(docker_state_from_json("[]"));
    EXPECT_FALSE(docker_state_from_json("{\"Name\": "));
}

TEST(RuntimeState, ReadsFromRoots) {
    const fs::path root = test::make_temp_dir("ew-state-");
    fs::create_directories(root / "graph/vfs-containers");
    fs::copy_file(kFixtures + "podman/containers.json", root / "graph/vfs-containers/containers.json");
    PodmanContainers podman((root / "graph").string());
    auto web = podman.find(kPodmanWeb);
    ASSERT_TRUE(web);
    EXPECT_EQ(web->name, "ctr-i17-web");
    fs::create_directories(root / "docker/containers" / kDockerWeb);
    fs::copy_file(kFixtures + "docker/web.config.v2.json", root / "docker/containers" / kDockerWeb / "config.v2.json");
    EXPECT_TRUE(read_docker_state((root / "docker").string(), kDockerWeb));
    EXPECT_FALSE(read_docker_state((root / "docker").string(), "../containers/" + kDockerWeb));
    EXPECT_FALSE(read_docker_state((root / "docker").string(), kDockerRedis));
    fs::remove_all(root);
}

TEST(RuntimeState, PodmanContainersJsonIsParsedOncePerVersion) {
    const fs::path root = test::make_temp_dir("ew-podman-");
    const fs::path file = root / "overlay-containers/containers.json";
    fs::create_directories(file.parent_path());
    PodmanContainers podman(root.string());
    EXPECT_FALSE(podman.find(kPodmanWeb));  // no file yet
    EXPECT_EQ(podman.parses(), 0u);

    fs::copy_file(kFixtures + "podman/containers.json", file);
    EXPECT_TRUE(podman.find(kPodmanWeb));
    EXPECT_TRUE(podman.find(kPodmanKubeWeb));
    EXPECT_FALSE(podman.find(kDockerWeb));
    EXPECT_EQ(podman.parses(), 1u);

    // podman writes a new file and renames it into place.
    {
        std::ofstream(root / "next.json")
            << R"([{"id": ")" << kDockerWeb << R"(", "names": ["late"], "metadata": "{\"image-name\":\"img\"}"}])";
    }
    fs::rename(root / "next.json", file);
    auto late = podman.find(kDockerWeb);
    ASSERT_TRUE(late);
    EXPECT_EQ(late->name, "late");
    EXPECT_EQ(late->image, "img");
    EXPECT_FALSE(podman.find(kPodmanWeb));  // gone with the old version
    EXPECT_EQ(podman.parses(), 2u);

    // A broken version is read once, not once per question.
    { std::ofstream(root / "next.json") << "[{"; }
    fs::rename(root / "next.json", file);
    EXPECT_FALSE(podman.find(kDockerWeb));
    EXPECT_FALSE(podman.find(kPodmanWeb));
    EXPECT_EQ(podman.parses(), 3u);
    fs::remove_all(root);
}

TEST(BoundedFile, RefusesWhatItMustNotRead) {
    const fs::path root = test::make_temp_dir("ew-bounded-");
    std::ofstream(root / "small") << "0123456789";
    EXPECT_EQ(read_bounded_file((root / "small").string(), 10), "0123456789");
    EXPECT_FALSE(read_bounded_file((root / "small").string(), 9));
    EXPECT_FALSE(read_bounded_file((root / "missing").string(), 100));
    EXPECT_FALSE(read_bounded_file(root.string(), 100));  // a directory
    // A FIFO with no writer: reading it would block the event path.
    ASSERT_EQ(::mkfifo((root / "fifo").c_str(), 0600), 0);
    EXPECT_FALSE(read_bounded_file((root / "fifo").string(), 100));
    fs::remove_all(root);
}

// --- the book ---------------------------------------------------------------------------------

// Runtime roots laid out in a temporary directory, filled from the fixtures.
struct Roots {
    fs::path dir = test::make_temp_dir("ew-book-");
    ContainerRoots roots{(dir / "run/containerd/io.containerd.runtime.v2.task").string(),
                         (dir / "run/containers/storage").string(), (dir / "var/lib/containers/storage").string(),
                         (dir / "var/lib/docker").string()};
    ~Roots() { fs::remove_all(dir); }

    void put(const std::string& root, const std::string& relative, const std::string& fixture) const {
        const fs::path to = fs::path(root) / relative;
        fs::create_directories(to.parent_path());
        fs::copy_file(kFixtures + fixture, to, fs::copy_options::overwrite_existing);
    }
    void containerd(const std::string& ns, const std::string& id, const std::string& fixture) const {
        put(roots.containerd_tasks, ns + "/" + id + "/config.json", fixture);
    }
    void crio(const std::string& id, const std::string& fixture) const {
        put(roots.storage_run, "overlay-containers/" + id + "/userdata/config.json", fixture);
    }
    void podman(const std::string& fixture) const {
        put(roots.storage_graph, "overlay-containers/containers.json", fixture);
    }
    void docker(const std::string& id, const std::string& fixture) const {
        put(roots.docker, "containers/" + id + "/config.v2.json", fixture);
    }
};

struct FakeClock {
    std::int64_t now = 1'000'000'000'000;
    ContainerBook::Clock clock() {
        return [this] { return now; };
    }
};

const std::string kSystemdPod =
    "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + kShopUidSystemd + ".slice";

TEST(ContainerBook, KubernetesContainerFromContainerdBundle) {
    Roots r;
    r.containerd("k8s.io", kContainerdWeb, "containerd/web.config.json");
    ContainerBook book(r.roots);
    const ContainerInfo* info = book.lookup(101, kSystemdPod + "/cri-containerd-" + kContainerdWeb + ".scope");
    ASSERT_NE(info, nullptr);
    ContainerInfo want{kContainerdWeb, "web", "docker.io/library/nginx:1.25", Runtime::containerd,
                       PodInfo{"shop", "shop-7d9f8c6b5-x2kqp", kShopUid, "web", PodQos::burstable}};
    EXPECT_EQ(*info, want);
}

TEST(ContainerBook, PodSandboxHasNoContainerName) {
    Roots r;
    r.containerd("k8s.io", kContainerdSandbox, "containerd/sandbox.config.json");
    ContainerBook book(r.roots);
    const ContainerInfo* info = book.lookup(102, kSystemdPod + "/cri-containerd-" + kContainerdSandbox + ".scope");
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(info->image, "registry.k8s.io/pause:3.9");
    ASSERT_TRUE(info->pod);
    EXPECT_EQ(info->pod->name, "shop-7d9f8c6b5-x2kqp");
    EXPECT_EQ(info->pod->container, "");
}

TEST(ContainerBook, BareIdTakesTheRuntimeWhoseFilesNameIt) {
    Roots r;
    r.containerd("k8s.io", kContainerdWeb, "containerd/web.config.json");
    r.docker(kDockerRedis, "docker/k8s-redis.config.v2.json");
    r.containerd("moby", kDockerRedis, "containerd/web.config.json");  // Docker's bundle: not its names
    ContainerBook book(r.roots);
    const ContainerInfo* info = book.lookup(103, "/kubepods/burstable/pod" + kShopUid + "/" + kContainerdWeb);
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(info->runtime, Runtime::containerd);
    EXPECT_EQ(info->name, "web");
    info = book.lookup(104, "/kubepods/besteffort/pod" + kCacheUid + "/" + kDockerRedis);
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(info->runtime, Runtime::docker);
    EXPECT_EQ(info->name, "k8s_redis_cache-6f7d9c8b5-m4n8p_shop_" + kCacheUid + "_0");
    ASSERT_TRUE(info->pod);
    EXPECT_EQ(info->pod->container, "redis");
    EXPECT_EQ(info->pod->qos, PodQos::besteffort);
    // Nothing names it: the id is all there is.
    info = book.lookup(105, "/actions_job/" + kDockerWeb);
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(info->runtime, Runtime::unknown);
    EXPECT_EQ(info->name, "");
}

TEST(ContainerBook, CrioPodmanAndDocker) {
    Roots r;
    r.crio(kCrioApi, "crio/api.config.json");
    r.podman("podman/containers.json");
    r.docker(kDockerWeb, "docker/web.config.v2.json");
    ContainerBook book(r.roots);
    const ContainerInfo* info = book.lookup(201, "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" +
                                                     kBillingUidSystemd + ".slice/crio-" + kCrioApi + ".scope");
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(*info,
              (ContainerInfo{kCrioApi, "api", "quay.io/acme/billing-api:2.4.1", Runtime::crio,
                             PodInfo{"billing", "billing-5c8d7f9b4-qwz7m", kBillingUid, "api", PodQos::besteffort}}));
    info = book.lookup(202, "/libpod_parent/libpod-" + kPodmanWeb);
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(*info,
              (ContainerInfo{kPodmanWeb, "ctr-i17-web", "localhost/ctr-i17-bbtest:latest", Runtime::podman, {}}));
    info = book.lookup(203, "/system.slice/docker-" + kDockerWeb + ".scope");
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(*info, (ContainerInfo{kDockerWeb, "web", "nginx:1.25-alpine", Runtime::docker, {}}));
}

TEST(ContainerBook, BuildInsideAPodTakesThePodFromItsContainer) {
    Roots r;
    r.containerd("k8s.io", kContainerdWeb, "containerd/web.config.json");
    ContainerBook book(r.roots);
    const ContainerInfo* info =
        book.lookup(301, kSystemdPod + "/cri-containerd-" + kContainerdWeb + ".scope/buildkit/" + kBuildkitStep);
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(*info, (ContainerInfo{kBuildkitStep, "", "", Runtime::buildkit,
                                    PodInfo{"shop", "shop-7d9f8c6b5-x2kqp", kShopUid, "web", PodQos::burstable}}));
}

TEST(ContainerBook, NegativeResultsAreCached) {
    Roots r;
    FakeClock clock;
    ContainerBook book(r.roots, 16, clock.clock());
    EXPECT_EQ(book.lookup(7, "/system.slice/ssh.service"), nullptr);
    // The same cgroup id is not parsed again: its path does not change.
    EXPECT_EQ(book.lookup(7, "/docker/" + kDockerWeb), nullptr);
    EXPECT_EQ(book.cgroups(), 1u);
    EXPECT_EQ(book.file_lookups(), 0u);
    EXPECT_EQ(book.lookup(0, "/docker/" + kDockerWeb), nullptr);  // no cgroup id, no container
    EXPECT_EQ(book.cgroups(), 1u);
}

TEST(ContainerBook, EvictsTheOldest) {
    Roots r;
    r.docker(kDockerWeb, "docker/web.config.v2.json");
    FakeClock clock;
    ContainerBook book(r.roots, 3, clock.clock());
    ASSERT_NE(book.lookup(1, "/docker/" + kDockerWeb), nullptr);
    EXPECT_EQ(book.lookup(2, "/init.scope"), nullptr);
    EXPECT_EQ(book.lookup(3, "/system.slice/cron.service"), nullptr);
    EXPECT_EQ(book.file_lookups(), 1u);
    EXPECT_EQ(book.lookup(4, "/user.slice"), nullptr);  // cgroup 1 goes
    EXPECT_EQ(book.cgroups(), 3u);
    // Cgroup 1 is resolved again, files and all.
    const ContainerInfo* info = book.lookup(1, "/docker/" + kDockerWeb);
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(info->name, "web");
    EXPECT_EQ(book.file_lookups(), 2u);
    EXPECT_EQ(book.cgroups(), 3u);
    // Cgroup 2 went to make room for it: its id is parsed afresh (its cached "none" would answer).
    EXPECT_NE(book.lookup(2, "/docker/" + kDockerWeb), nullptr);
}

TEST(ContainerBook, LateStateFileIsPickedUpAfterTheRetryInterval) {
    Roots r;
    FakeClock clock;
    ContainerBook book(r.roots, 16, clock.clock());
    const std::string path = "/system.slice/docker-" + kDockerWeb + ".scope";
    const ContainerInfo* info = book.lookup(11, path);
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(info->id, kDockerWeb);
    EXPECT_EQ(info->runtime, Runtime::docker);
    EXPECT_EQ(info->name, "");
    EXPECT_EQ(book.file_lookups(), 1u);

    r.docker(kDockerWeb, "docker/web.config.v2.json");
    clock.now += ContainerBook::kRetryInterval - 1;
    info = book.lookup(11, path);
    EXPECT_EQ(info->name, "");  // not looked for again yet
    EXPECT_EQ(book.file_lookups(), 1u);

    clock.now += 1;
    info = book.lookup(11, path);
    EXPECT_EQ(info->name, "web");
    EXPECT_EQ(info->image, "nginx:1.25-alpine");
    EXPECT_EQ(book.file_lookups(), 2u);

    // Found: never looked for again.
    clock.now += 10 * ContainerBook::kRetryInterval;
    book.lookup(11, path);
    EXPECT_EQ(book.file_lookups(), 2u);
}

TEST(ContainerBook, SubCgroupsShareTheirContainersRetries) {
    Roots r;
    FakeClock clock;
    ContainerBook book(r.roots, 16, clock.clock());
    const std::string scope = "/machine.slice/libpod-" + kPodmanWeb + ".scope";
    ASSERT_NE(book.lookup(21, scope), nullptr);
    ASSERT_NE(book.lookup(22, scope + "/container"), nullptr);
    ASSERT_NE(book.lookup(23, scope + "/init.scope"), nullptr);
    EXPECT_EQ(book.file_lookups(), 1u);  // one container, one look
    clock.now += ContainerBook::kRetryInterval;
    book.lookup(21, scope);
    book.lookup(22, scope + "/container");
    book.lookup(23, scope + "/init.scope");
    EXPECT_EQ(book.file_lookups(), 2u);  // once a second per container, not per cgroup
    r.podman("podman/containers.json");
    clock.now += ContainerBook::kRetryInterval;
    EXPECT_EQ(book.lookup(22, scope + "/container")->name, "ctr-i17-web");
    EXPECT_EQ(book.lookup(23, scope + "/init.scope")->name, "ctr-i17-web");
}

TEST(ContainerBook, GarbageStateFilesDoNotThrow) {
    Roots r;
    fs::create_directories(fs::path(r.roots.docker) / "containers" / kDockerWeb);
    std::ofstream(fs::path(r.roots.docker) / "containers" / kDockerWeb / "config.v2.json") << "{\"Name\": [1, 2";
    fs::create_directories(fs::path(r.roots.storage_graph) / "overlay-containers");
    std::ofstream(fs::path(r.roots.storage_graph) / "overlay-containers/containers.json") << "\xff\xfe garbage";
    ContainerBook book(r.roots);
    const ContainerInfo* info = book.lookup(31, "/docker/" + kDockerWeb);
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(info->name, "");
    info = book.lookup(32, "/libpod_parent/libpod-" + kPodmanWeb);
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(info->runtime, Runtime::podman);
    EXPECT_EQ(info->name, "");
}

}  // namespace

// watch --container: the container's cgroup by id prefix, its own sub-cgroups not counted twice,
// an ambiguous prefix refused in words, and a container that is not there not found.
TEST(ContainerCgroup, FindsARunningContainersCgroupByIdPrefix) {
    std::string mount = test::make_temp_dir("ew-cgtree-");
    std::string a = "ab" + std::string(62, '1'), b = "ab" + std::string(62, '2');
    std::filesystem::create_directories(mount + "/libpod_parent/libpod-" + a + "/container");
    std::filesystem::create_directories(mount + "/machine.slice/libpod-" + b + ".scope");
    ContainerRoots nowhere{"/nonexistent/a", "/nonexistent/b", "/nonexistent/c", "/nonexistent/d"};
    ContainerBook book(nowhere);
    auto found = find_container_cgroup(mount, "ab1111", book);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->path, "/libpod_parent/libpod-" + a);
    EXPECT_EQ(found->container.id, a);
    EXPECT_EQ(found->container.runtime, Runtime::podman);
    EXPECT_THROW(find_container_cgroup(mount, "ab", book), std::runtime_error);
    EXPECT_FALSE(find_container_cgroup(mount, "cd", book));
    EXPECT_FALSE(find_container_cgroup(mount, "", book));
    std::filesystem::remove_all(mount);
}

// watch --pod: the pod's cgroup is the one its containers' cgroups are in, found through the
// runtime's files that name the pod.
TEST(ContainerCgroup, FindsAPodsCgroupThroughItsContainers) {
    Roots r;
    r.containerd("k8s.io", kContainerdWeb, "containerd/web.config.json");
    r.containerd("k8s.io", kContainerdSandbox, "containerd/sandbox.config.json");
    fs::path mount = r.dir / "cgroup";
    fs::create_directories(mount.string() + kSystemdPod + "/cri-containerd-" + kContainerdWeb + ".scope");
    fs::create_directories(mount.string() + kSystemdPod + "/cri-containerd-" + kContainerdSandbox + ".scope");
    ContainerBook book(r.roots);
    EXPECT_EQ(find_pod_cgroup(mount.string(), "shop", "shop-7d9f8c6b5-x2kqp", book), kSystemdPod);
    EXPECT_FALSE(find_pod_cgroup(mount.string(), "shop", "other", book));
    EXPECT_FALSE(find_pod_cgroup(mount.string(), "default", "shop-7d9f8c6b5-x2kqp", book));
}
