// run --enforce end to end: real connects from a real client against NamedTestHosts, refused
// with EPERM in the kernel or let through, host entries allowed through the DNS answers the
// command itself received, and what fail-closed and fail-open do when egresswatch dies.
// egresswatch runs inside with_resolver(), so the resolver it allows on port 53 is the test
// dnsmasq, as it would be the machine's resolver in real use.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "enforce_run.h"

using namespace egresswatch::test;

namespace {

TEST_F(Enforce, HostEntryAllowsTheAddressesItsDnsAnswersGaveAndNothingElse) {
    const std::string web = hosts_->v4();
    auto r = enforce(kHeader + host_entry("mirror.test", 80),
                     // Before any lookup the address is unknown: refused. After the lookup
                     // it is allowed on port 80, over IPv6 too, but not on 443.
                     probe(web, 80) + " && " + probe("mirror.test", 80) + " && " + probe(web, 80) + " && " +
                         probe("mirror.test", 80, 6) + " && " + probe("mirror.test", 443) + " && " +
                         probe(hosts_->dns_server(), 80) + " && curl -4 -sS -m 5 -o /dev/null -w '%{http_code}\\n' " +
                         "http://mirror.test/");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    auto lines = lines_of(r.out);
    ASSERT_EQ(lines.size(), 7u) << r.out << r.err;
    EXPECT_EQ(lines[0], web + " 80 " + std::to_string(kEperm)) << "refused before the name was resolved";
    EXPECT_EQ(lines[1], "mirror.test 80 ok");
    EXPECT_EQ(lines[2], web + " 80 ok") << "the answer taught the address";
    EXPECT_EQ(lines[3], "mirror.test 80 ok") << "the AAAA answer taught the IPv6 address";
    EXPECT_EQ(lines[4], "mirror.test 443 " + std::to_string(kEperm)) << "the entry allows port 80 only";
    EXPECT_EQ(lines[5], hosts_->dns_server() + " 80 " + std::to_string(kEperm))
        << "the resolver is allowed on port 53 only";
    EXPECT_EQ(lines[6], "200") << "a real client through the allowed name";

    auto refused = blocked();
    ASSERT_EQ(refused.size(), 3u) << read_text(out_ + "/events.jsonl");
    EXPECT_EQ(refused[0]["daddr"], web);
    EXPECT_EQ(refused[0]["dport"], 80);
    EXPECT_EQ(refused[0]["of"], "connect");
    EXPECT_EQ(refused[0].value("exe", "").rfind("/usr/bin/python3", 0), 0u) << refused[0].dump();
    EXPECT_EQ(refused[1]["daddr"], web);
    EXPECT_EQ(refused[1]["dport"], 443);
    EXPECT_EQ(refused[1].value("host", ""), "mirror.test") << "named by the answer the process got";
    EXPECT_EQ(refused[2]["daddr"], hosts_->dns_server());
    // The blocked attempts are not destinations: the allowlist written has only port 80.
    std::string written = allowlist();
    EXPECT_EQ(written.find("443"), std::string::npos) << written;
    EXPECT_NE(stderr_.find("egresswatch: blocked connect"), std::string::npos) << stderr_;
}

TEST_F(Enforce, WildcardEntryFollowsTheCnameChain) {
    auto r = enforce(kHeader + host_entry("*.mirror.test", 80),
                     "curl -4 -sS -m 5 -o /dev/null -w '%{http_code}\\n' http://www.mirror.test/ && " +
                         probe("www.mirror.test", 443));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    auto lines = lines_of(r.out);
    ASSERT_EQ(lines.size(), 2u) << r.out << r.err;
    EXPECT_EQ(lines[0], "200") << "www.mirror.test is a CNAME chain ending at mirror.test's address";
    EXPECT_EQ(lines[1], "www.mirror.test 443 " + std::to_string(kEperm));
}

TEST_F(Enforce, AddressEntryAllowsItsPortWithoutDns) {
    const std::string web = hosts_->v4();
    auto r = enforce(kHeader + address_entry(web, 80), probe(web, 80) + " && " + probe(web, 443) + " && " +
                                                           probe("api.test", 80) + " && " + probe("127.0.0.1", 9));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    auto lines = lines_of(r.out);
    ASSERT_EQ(lines.size(), 4u) << r.out << r.err;
    EXPECT_EQ(lines[0], web + " 80 ok");
    EXPECT_EQ(lines[1], web + " 443 " + std::to_string(kEperm));
    EXPECT_EQ(lines[2], "api.test 80 ok") << "an address entry allows the address whatever name led there";
    EXPECT_EQ(lines[3], "127.0.0.1 9 111") << "loopback is not egress: refused by nobody listening, not by us";
}

TEST_F(Enforce, ProcessScopedEntryAllowsOnlyThatExecutable) {
    auto r = enforce(
        kHeader + host_entry("mirror.test", 80) + "    processes: [/usr/bin/curl]\n",
        "curl -4 -sS -m 5 -o /dev/null -w '%{http_code}\\n' http://mirror.test/ && " + probe("mirror.test", 80));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    auto lines = lines_of(r.out);
    ASSERT_EQ(lines.size(), 2u) << r.out << r.err;
    EXPECT_EQ(lines[0], "200");
    EXPECT_EQ(lines[1], "mirror.test 80 " + std::to_string(kEperm)) << "python is not /usr/bin/curl";
}

TEST_F(Enforce, MalformedAllowlistIsRejectedWithItsLineBeforeTheCommandRuns) {
    std::string marker = dir_ + "/ran";
    auto r = enforce(kHeader + "  - host: mirror.test\n    port: 99999\n    proto: tcp\n", "touch " + marker);
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find(".yaml:4:"), std::string::npos) << r.err;
    EXPECT_EQ(lines_of(r.err).size(), 1u) << "one line: " << r.err;
    EXPECT_FALSE(fs::exists(marker)) << "the command ran";
    EXPECT_FALSE(fs::exists(out_ + "/events.jsonl"));
}

TEST_F(Enforce, EnforceNeedsPayloadInspection) {
    auto r = enforce(kHeader + host_entry("mirror.test", 80), "true", {"--no-payload"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("drop --no-payload"), std::string::npos) << r.err;
}

TEST_F(Enforce, FailClosedKillsWhatTheCommandLeftRunning) {
    std::string bg_pid = dir_ + "/bg.pid";
    auto r = enforce(kHeader + host_entry("mirror.test", 80), "sleep 30 >/dev/null 2>&1 & echo $! > " + bg_pid);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("were killed (--enforce-mode fail-closed"), std::string::npos) << r.err;
    pid_t bg = std::stoi(read_text(bg_pid));
    bool alive = true;
    for (int i = 0; i < 100 && alive; ++i) {
        alive = kill(bg, 0) == 0;
        if (alive) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_FALSE(alive) << "the background child escaped enforcement";
    if (alive) kill(bg, SIGKILL);
}

// egresswatch dies mid-run: fail-closed kills the command, fail-open lets it go on unenforced.
class EnforceDeath : public Enforce {
protected:
    // Starts `run --enforce` on `sleep 60`, waits for the command, SIGKILLs egresswatch, and
    // returns whether the command is still alive a few seconds later.
    bool command_survives(const std::string& mode) {
        std::string allowlist = file("death.yaml", kHeader + host_entry("mirror.test", 80));
        std::string pid_file = dir_ + "/" + mode + ".pid";
        std::string out = dir_ + "/" + mode;
        pid_t ew = fork();
        if (ew == 0) {
            int devnull = open("/dev/null", O_WRONLY);
            dup2(devnull, 2);
            std::string script = "echo $$ > " + pid_file + " && exec sleep 60";
            execl(EGRESSWATCH_BINARY, "egresswatch", "run", "--quiet", "--out", out.c_str(), "--enforce",
                  allowlist.c_str(), "--enforce-mode", mode.c_str(), "--", "/bin/sh", "-c", script.c_str(),
                  static_cast<char*>(nullptr));
            _exit(127);
        }
        pid_t command = 0;
        for (int i = 0; i < 100 && command == 0; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            std::string text = fs::exists(pid_file) ? read_text(pid_file) : "";
            if (!text.empty() && text.back() == '\n') command = std::stoi(text);
        }
        EXPECT_NE(command, 0) << "the command did not start";
        kill(ew, SIGKILL);
        waitpid(ew, nullptr, 0);
        bool alive = true;
        for (int i = 0; i < 100 && alive; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            alive = command != 0 && kill(command, 0) == 0;
        }
        if (alive) kill(command, SIGKILL);
        return alive;
    }
};

TEST_F(EnforceDeath, FailClosedKillsTheCommandWhenEgresswatchDies) { EXPECT_FALSE(command_survives("fail-closed")); }

TEST_F(EnforceDeath, FailOpenLetsTheCommandGoOnWhenEgresswatchDies) { EXPECT_TRUE(command_survives("fail-open")); }

}  // namespace
