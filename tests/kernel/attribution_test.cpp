// Real clients, nested under real shells, against real servers in a network namespace:
// every connection must name its own process, exe, argv and parent chain.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "kernel_env.h"
#include "test_network.h"

using namespace egresswatch::test;
using nlohmann::json;

namespace {

const char* kNestedClients = R"BASH(
D=$1; V4=$2; V6=$3
echo $$ > "$D/bash.pid"
sh -c 'echo $$ > "$1/sh.pid"; curl -s -m 5 -o /dev/null "http://$2:8080/v4" & echo $! > "$1/curl4.pid"; wait' sh "$D" "$V4"
sh -c 'curl -s -m 5 -o /dev/null -g "http://[$2]:8080/v6" & echo $! > "$1/curl6.pid"; wait' sh "$D" "$V6"
/usr/bin/python3 - "$D" "$V4" "$V6" <<'PY'
import os, socket, sys
d, v4, v6 = sys.argv[1:4]
open(os.path.join(d, "python.pid"), "w").write(str(os.getpid()))
t = socket.create_connection((v4, 8080), timeout=5); t.close()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(3): u.sendto(b"ping", (v4, 5300))
u.close()
u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u6.sendto(b"ping", (v6, 5300)); u6.close()
m = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); m.connect(("::ffff:" + v4, 5300)); m.send(b"x"); m.close()
PY
bash -c 'echo $$ > "$1/devtcp.pid"; exec 3<>"/dev/tcp/$2/8080"; printf "GET / HTTP/1.0\r\n\r\n" >&3; cat <&3 >/dev/null' bash "$D" "$V4"
)BASH";

std::uint32_t pid_from(const std::string& dir, const char* name) {
    std::ifstream in(dir + "/" + name);
    std::uint32_t pid = 0;
    in >> pid;
    return pid;
}

const json* find_event(const std::vector<json>& events, const std::string& type, std::uint32_t pid,
                       const std::string& daddr, int dport, const std::string& proto) {
    for (const auto& e : events)
        if (e["type"] == type && e["pid"] == pid && e["daddr"] == daddr && e["dport"] == dport && e["proto"] == proto)
            return &e;
    return nullptr;
}

class Attribution : public ::testing::Test {
protected:
    void SetUp() override {
        EW_REQUIRE_KERNEL();
        net_ = std::make_unique<TestNetwork>();
        ASSERT_TRUE(net_->ready()) << net_->error();
        dir_ = make_temp_dir("ew-attr-");
    }
    void TearDown() override {
        net_.reset();
        if (!dir_.empty()) std::filesystem::remove_all(dir_);
    }
    std::unique_ptr<TestNetwork> net_;
    std::string dir_;
};

}  // namespace

TEST_F(Attribution, NestedClientsTcpUdpIpv4Ipv6) {
    std::string script = dir_ + "/clients.sh";
    std::ofstream(script) << kNestedClients;
    std::string out = dir_ + "/out";
    auto r = run_egresswatch({"run", "--out", out, "--", "bash", script, dir_, net_->v4(), net_->v6()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto events = read_events(out);
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.front()["type"], "start");
    EXPECT_EQ(events.back()["type"], "stop");
    std::string cgroup = events.front()["cgroup"];

    std::uint32_t bash_pid = pid_from(dir_, "bash.pid"), sh_pid = pid_from(dir_, "sh.pid");
    std::uint32_t curl4 = pid_from(dir_, "curl4.pid"), curl6 = pid_from(dir_, "curl6.pid");
    std::uint32_t py = pid_from(dir_, "python.pid"), devtcp = pid_from(dir_, "devtcp.pid");
    ASSERT_TRUE(bash_pid && sh_pid && curl4 && curl6 && py && devtcp) << "client script did not run fully";

    // bash -> sh -> curl, over IPv4
    const json* c4 = find_event(events, "connect", curl4, net_->v4(), 8080, "tcp");
    ASSERT_NE(c4, nullptr) << "curl's IPv4 connect missing";
    EXPECT_EQ((*c4)["exe"], "/usr/bin/curl");
    EXPECT_EQ((*c4)["comm"], "curl");
    EXPECT_EQ((*c4)["family"], "ipv4");
    EXPECT_EQ((*c4)["argv"].back(), "http://" + net_->v4() + ":8080/v4");
    EXPECT_EQ((*c4)["cgroup"], cgroup);
    ASSERT_EQ((*c4)["ancestry"].size(), 2u) << c4->dump();
    EXPECT_EQ((*c4)["ancestry"][0]["pid"], sh_pid);
    EXPECT_EQ((*c4)["ancestry"][0]["comm"], "sh");
    EXPECT_EQ((*c4)["ancestry"][1]["pid"], bash_pid);
    EXPECT_EQ((*c4)["ancestry"][1]["exe"], "/usr/bin/bash");

    // curl over IPv6
    const json* c6 = find_event(events, "connect", curl6, net_->v6(), 8080, "tcp");
    ASSERT_NE(c6, nullptr) << "curl's IPv6 connect missing";
    EXPECT_EQ((*c6)["family"], "ipv6");
    EXPECT_EQ((*c6)["exe"], "/usr/bin/curl");

    // python3: TCP, unconnected UDP over both families, connected UDP to a v4-mapped address
    const json* pt = find_event(events, "connect", py, net_->v4(), 8080, "tcp");
    ASSERT_NE(pt, nullptr);
    EXPECT_EQ((*pt)["exe"], "/usr/bin/python3");
    EXPECT_EQ((*pt)["ancestry"][0]["pid"], bash_pid);
    const json* pu4 = find_event(events, "send", py, net_->v4(), 5300, "udp");
    ASSERT_NE(pu4, nullptr) << "python's IPv4 datagram missing";
    const json* pu6 = find_event(events, "send", py, net_->v6(), 5300, "udp");
    ASSERT_NE(pu6, nullptr) << "python's IPv6 datagram missing";
    const json* mapped = find_event(events, "connect", py, net_->v4(), 5300, "udp");
    ASSERT_NE(mapped, nullptr) << "connected UDP to a v4-mapped address missing";
    EXPECT_EQ((*mapped)["v4_mapped"], true);
    EXPECT_EQ((*mapped)["family"], "ipv4");

    // bash's /dev/tcp: the shell itself connects
    const json* bt = find_event(events, "connect", devtcp, net_->v4(), 8080, "tcp");
    ASSERT_NE(bt, nullptr) << "bash /dev/tcp connect missing";
    EXPECT_EQ((*bt)["exe"], "/usr/bin/bash");
    EXPECT_EQ((*bt)["comm"], "bash");

    // Datagrams after the first on a socket are counted in the kernel, not lost.
    auto report = json::parse(read_text(out + "/report.json"));
    bool found_udp4 = false;
    for (const auto& d : report["destinations"])
        if (d["address"] == net_->v4() && d["port"] == 5300 && d["proto"] == "udp") {
            found_udp4 = true;
            // 3 on the unconnected socket (1 event + 2 counted in the kernel), and 1 sent on the
            // connected v4-mapped socket: the kernel hands that one to udp_sendmsg with an
            // address, so it passes cgroup/sendmsg4 as well.
            EXPECT_EQ(d["datagrams"], 4) << d.dump();
        }
    EXPECT_TRUE(found_udp4);
    EXPECT_EQ(report["counters"]["lost"]["total"], 0);
    std::string allowlist = read_text(out + "/allowlist.yaml");
    EXPECT_NE(allowlist.find(net_->v4()), std::string::npos);
    EXPECT_NE(allowlist.find(net_->v6()), std::string::npos);
    EXPECT_NE(allowlist.find("/usr/bin/curl"), std::string::npos);
}

TEST_F(Attribution, ExitStatusOfTheCommandIsReturned) {
    auto r = run_egresswatch({"run", "--quiet", "--out", dir_ + "/a", "--", "sh", "-c", "exit 7"});
    EXPECT_EQ(r.exit_code, 7) << r.err;
    auto k = run_egresswatch({"run", "--quiet", "--out", dir_ + "/b", "--", "sh", "-c", "kill -9 $$"});
    EXPECT_EQ(k.exit_code, 128 + 9) << k.err;
    auto events = read_events(dir_ + "/a");
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back()["exit_code"], 7);
}

TEST_F(Attribution, JsonStreamsEventsToStdout) {
    auto r = run_egresswatch({"run", "--json", "--quiet", "--out", dir_ + "/j", "--", "/usr/bin/curl", "-s", "-m", "5",
                              "-o", "/dev/null", "http://" + net_->v4() + ":8080/"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("\"type\":\"connect\""), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"daddr\":\"" + net_->v4() + "\""), std::string::npos);
}
