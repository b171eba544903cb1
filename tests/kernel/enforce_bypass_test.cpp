// Ways around --enforce that an adversarial review found, each tried for real from inside the
// run: a forged DNS answer from a local "resolver" the command started itself, ICMP echo
// through an unprivileged ping socket, and a socket created outside the run and passed in
// with SCM_RIGHTS.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "enforce_run.h"

using namespace egresswatch::test;

namespace {

// Plays a resolver on ADDRESS:53 (any port is bindable where ip_unprivileged_port_start is
// 0, Docker's default), asks it for NAME from another socket and answers NAME A FORGED:
// everything the kernel sees is a real query and a real answer, from port 53.
const char* kForger = R"(import socket, struct, sys
address, name, forged = sys.argv[1], sys.argv[2], sys.argv[3]
server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
server.bind((address, 53))
client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
client.settimeout(5)
question = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0" + struct.pack(">HH", 1, 1)
client.sendto(struct.pack(">6H", 0x4242, 0x0100, 1, 0, 0, 0) + question, (address, 53))
query, asker = server.recvfrom(512)
answer = (struct.pack(">6H", 0x4242, 0x8180, 1, 1, 0, 0) + question +
          b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + socket.inet_aton(forged))
server.sendto(answer, asker)
client.recvfrom(512)
print("answered")
)";

// An address on loopback other than 127.0.0.1, so that no real service is in the way.
const std::string kForgerAddress = "127.53.53.53";

class EnforceBypass : public Enforce {
protected:
    void SetUp() override {
        Enforce::SetUp();
        if (HasFatalFailure() || IsSkipped()) return;
        forger_ = file("forger.py", kForger);
    }

    std::string forge(const std::string& name, const std::string& address) const {
        return "/usr/bin/python3 " + forger_ + " " + kForgerAddress + " " + name + " " + address;
    }

    std::string forger_;
};

TEST_F(EnforceBypass, ForgedDnsAnswerFromAnUntrustedSourceTeachesNothing) {
    // The forged answer points mirror.test at the resolver's address, which a real answer
    // never gives: a connect there on port 80 tells whether the forgery was learned.
    const std::string target = hosts_->dns_server();
    auto r = enforce(kHeader + host_entry("mirror.test", 80),
                     forge("mirror.test", target) + " && " + probe(target, 80) + " && " + probe("mirror.test", 80));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    auto lines = lines_of(r.out);
    ASSERT_EQ(lines.size(), 3u) << r.out << r.err;
    EXPECT_EQ(lines[0], "answered") << "the forged answer reached the asking socket";
    EXPECT_EQ(lines[1], target + " 80 " + std::to_string(kEperm)) << "a forged answer taught an address";
    EXPECT_EQ(lines[2], "mirror.test 80 ok") << "the trusted resolver's answer still teaches";
}

TEST_F(EnforceBypass, ResolverGivenWithTheResolverOptionIsTrusted) {
    const std::string target = hosts_->dns_server();
    auto r = enforce(kHeader + host_entry("mirror.test", 80), forge("mirror.test", target) + " && " + probe(target, 80),
                     {"--resolver", kForgerAddress});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    auto lines = lines_of(r.out);
    ASSERT_EQ(lines.size(), 2u) << r.out << r.err;
    EXPECT_NE(lines[1], target + " 80 " + std::to_string(kEperm)) << "an answer from a --resolver was not learned";
}

TEST_F(EnforceBypass, ResolverOptionThatIsNotAnAddressIsRefusedBeforeTheCommandRuns) {
    std::string marker = dir_ + "/ran";
    auto r = enforce(kHeader + host_entry("mirror.test", 80), "touch " + marker, {"--resolver", "dns.example"});
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("'dns.example' is not an IP address"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(marker)) << "the command ran";
}

// Outside the run: hands one new socket per KIND (tcp, udp) to whoever connects to the unix
// socket PATH, as a broker or a parent outside the sandbox could.
const char* kSocketBroker = R"(import socket, sys
path = sys.argv[1]
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(path)
server.listen(4)
open(path + ".ready", "w").close()
for kind in sys.argv[2:]:
    peer, _ = server.accept()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM)
    socket.send_fds(peer, [b"s"], [s.fileno()])
    peer.close()
    s.close()
)";

// Inside the run: takes a socket from the broker at PATH and connects it (tcp) or sends a
// datagram on it (udp) to HOST PORT; prints "KIND ok" or "KIND errno".
const char* kSocketUser = R"(import socket, sys
path, kind, host, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
broker = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
broker.connect(path)
_, fds, _, _ = socket.recv_fds(broker, 16, 1)
s = socket.socket(fileno=fds[0])
s.settimeout(5)
try:
    if kind == "tcp":
        s.connect((host, port))
    else:
        s.sendto(b"payload", (host, port))
    print(kind, "ok")
except OSError as e:
    print(kind, e.errno)
)";

TEST_F(EnforceBypass, SocketCreatedOutsideTheRunAndPassedInIsEnforcedAndRecorded) {
    std::string broker = file("broker.py", kSocketBroker), user = file("user.py", kSocketUser);
    std::string path = dir_ + "/broker.sock";
    outside_ = "/usr/bin/python3 " + broker + " " + path + " tcp udp & for i in $(seq 100); do [ -e " + path +
               ".ready ] && break; sleep 0.05; done";
    const std::string web = hosts_->v4(), dns = hosts_->dns_server();
    auto r = enforce(kHeader + host_entry("mirror.test", 80), "/usr/bin/python3 " + user + " " + path + " tcp " + web +
                                                                  " 443 && /usr/bin/python3 " + user + " " + path +
                                                                  " udp " + dns + " 9");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    auto lines = lines_of(r.out);
    ASSERT_EQ(lines.size(), 2u) << r.out << r.err;
    EXPECT_EQ(lines[0], "tcp " + std::to_string(kEperm)) << "a socket from outside connected where it may not";
    EXPECT_EQ(lines[1], "udp " + std::to_string(kEperm)) << "a socket from outside sent where it may not";
    auto refused = blocked();
    ASSERT_EQ(refused.size(), 2u) << read_text(out_ + "/events.jsonl");
    EXPECT_EQ(refused[0]["daddr"], web);
    EXPECT_EQ(refused[0]["dport"], 443);
    EXPECT_EQ(refused[1]["daddr"], dns);
    EXPECT_EQ(refused[1]["dport"], 9);
    EXPECT_EQ(refused[1].value("exe", "").rfind("/usr/bin/python3", 0), 0u) << refused[1].dump();
    json start = read_events(out_).front();
    EXPECT_NE(start["kernel_features"].value("connections", "").find("at the cgroup root"), std::string::npos)
        << start.dump();
}

// One ICMP echo request through an unprivileged ping socket (SOCK_DGRAM, IPPROTO_ICMP or
// ICMPV6) to ADDRESS; prints "reply", "timeout" or the send's errno.
const char* kPing = R"(import socket, struct, sys
address = sys.argv[1]
v6 = ":" in address
s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_DGRAM,
                  socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP)
s.settimeout(3)
try:
    s.sendto(struct.pack("!BBHHH", 128 if v6 else 8, 0, 0, 0, 1) + b"egresswatch", (address, 0))
    s.recv(1024)
    print("reply")
except socket.timeout:
    print("timeout")
except OSError as e:
    print(e.errno)
)";

// Ping sockets are open to every group while a test runs, as systemd's default makes them
// (Debian's kernel default keeps them closed); the previous range is put back after.
class PingSockets : public EnforceBypass {
protected:
    void SetUp() override {
        EnforceBypass::SetUp();
        if (HasFatalFailure() || IsSkipped()) return;
        previous_ = read_text(kRange);
        std::ofstream(kRange) << "0 2147483647\n";
        ping_ = file("ping.py", kPing);
    }
    void TearDown() override {
        if (!previous_.empty()) std::ofstream(kRange) << previous_;
        EnforceBypass::TearDown();
    }
    std::string ping(const std::string& address) const { return "/usr/bin/python3 " + ping_ + " " + address; }

    static constexpr const char* kRange = "/proc/sys/net/ipv4/ping_group_range";
    std::string previous_, ping_;
};

TEST_F(PingSockets, EchoRequestsAreRefusedUnlessAnIcmpEntryAllowsThem) {
    const std::string web = hosts_->v4(), web6 = hosts_->v6();
    auto r = enforce(kHeader + host_entry("mirror.test", 80) + "  - addresses: [\"" + hosts_->dns_server() +
                         "\"]\n    proto: icmp\n",
                     ping(web) + " && " + ping(hosts_->dns_server()) + " && " + ping(web6));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    auto lines = lines_of(r.out);
    ASSERT_EQ(lines.size(), 3u) << r.out << r.err;
    EXPECT_EQ(lines[0], std::to_string(kEperm)) << "an echo request left for an address no entry allows";
    EXPECT_EQ(lines[1], "reply") << "the icmp entry allows its address";
    // Dropped too, but the kernel does not pass the drop back to an ICMPv6 sender
    // (icmpv6_push_pending_frames ignores it): sendto() succeeds and no reply comes. The
    // same address answers when allowed (the next test).
    EXPECT_EQ(lines[2], "timeout") << "icmp does not allow ICMPv6";
    auto refused = blocked();
    ASSERT_EQ(refused.size(), 2u) << read_text(out_ + "/events.jsonl");
    EXPECT_EQ(refused[0]["daddr"], web);
    EXPECT_EQ(refused[0]["proto"], "icmp");
    EXPECT_EQ(refused[0].value("exe", "").rfind("/usr/bin/python3", 0), 0u) << refused[0].dump();
    EXPECT_EQ(refused[1]["daddr"], web6);
    EXPECT_EQ(refused[1]["proto"], "icmpv6");
    EXPECT_NE(stderr_.find("-> " + web + " icmp\n"), std::string::npos) << "ICMP has no port to print: " << stderr_;
}

TEST_F(PingSockets, EchoRequestsAreRecordedAsDestinationsAndEnterTheAllowlist) {
    const std::string web = hosts_->v4();
    auto events = observe(ping(web) + " && ping -c 2 -i 0.2 -W 3 " + hosts_->v6() + " >/dev/null", {"--scope", "all"});
    auto to_web = select(events, "send", [&](const json& e) { return e["daddr"] == web; });
    ASSERT_EQ(to_web.size(), 1u);
    EXPECT_EQ(to_web[0]["proto"], "icmp");
    EXPECT_EQ(to_web[0]["dport"], 0);
    EXPECT_EQ(to_web[0].value("exe", "").rfind("/usr/bin/python3", 0), 0u) << to_web[0].dump();
    auto to_web6 = select(events, "send", [&](const json& e) { return e["daddr"] == hosts_->v6(); });
    ASSERT_EQ(to_web6.size(), 1u) << "ping(8)'s two requests, from one ping or raw socket, are one record";
    EXPECT_EQ(to_web6[0]["proto"], "icmpv6");

    // The allowlist written is one --enforce reads back: ICMP entries without a port.
    std::string written = allowlist();
    EXPECT_NE(written.find("proto: icmp\n"), std::string::npos) << written;
    EXPECT_NE(written.find("proto: icmpv6\n"), std::string::npos) << written;
    auto again = enforce(written, ping(web));
    EXPECT_EQ(lines_of(again.out), std::vector<std::string>{"reply"}) << again.out << again.err;
}

}  // namespace
