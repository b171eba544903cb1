// What it costs when the kernel refuses one of egresswatch's programs or hooks, as stock
// kernels do (Debian's 6.1 and 6.12, booted by the kernel matrix): here on this machine's
// kernel, through test hooks that make the verifier reject a chosen program
// (EGRESSWATCH_TEST_REJECT_PROGRAMS loads it as a socket filter, whose helpers and context
// it may not use) or force a hook. A refused optional program turns off its own feature, in
// one warning line with the kernel's reason and what still works; a refused required one
// stops egresswatch before the command starts, with the verifier's words.
#include <unistd.h>

#include "named_hosts_run.h"

using namespace egresswatch::test;

namespace {

constexpr const char* kReject = "EGRESSWATCH_TEST_REJECT_PROGRAMS";

class KernelFallbacks : public NamedHostsRun {
protected:
    std::string http_then_https() const {
        return "curl -4 -sS -o /dev/null http://mirror.test/pool/a.deb && curl -4 -sS -o /dev/null --cacert " + cert() +
               " https://secure.test/api/v1/status";
    }
    std::vector<json> https_requests(const std::vector<json>& events) {
        return select(events, "http", [](const json& e) { return e["tls"] == true; });
    }
};

std::vector<std::string> warnings_of(const std::string& err) {
    std::vector<std::string> out;
    for (const std::string& line : lines_of(err))
        if (line.find("warning") != std::string::npos) out.push_back(line);
    return out;
}

}  // namespace

TEST_F(KernelFallbacks, ARefusedTlsProgramCostsOnlyHttpsRequests) {
    ScopedEnv reject(kReject, "uprobe_tls_call_enter");
    auto events = observe(http_then_https());
    auto warnings = warnings_of(egresswatch_stderr());
    ASSERT_EQ(lines_of(egresswatch_stderr()).size(), 1u) << egresswatch_stderr();
    ASSERT_EQ(warnings.size(), 1u) << egresswatch_stderr();
    EXPECT_NE(warnings[0].find("HTTPS requests (TLS library plaintext) unavailable: the verifier rejected "
                               "uprobe_tls_call_enter: "),
              std::string::npos)
        << warnings[0];
    EXPECT_NE(warnings[0].find("; still recorded: connections, processes, DNS, TLS SNI and plaintext HTTP"),
              std::string::npos)
        << warnings[0];
    // Everything else still works: names, plaintext requests, the ClientHello's SNI.
    EXPECT_EQ(select(events, "http", [](const json& e) { return e["path"] == "/pool/a.deb"; }).size(), 1u);
    EXPECT_EQ(select(events, "tls", [](const json& e) { return e["sni"] == "secure.test"; }).size(), 1u);
    EXPECT_EQ(select(events, "connect", [](const json& e) { return e.value("host", "") == "secure.test"; }).size(), 1u);
    EXPECT_TRUE(https_requests(events).empty());
    auto start = select(events, "start", [](const json&) { return true; });
    ASSERT_EQ(start.size(), 1u);
    EXPECT_FALSE(start[0]["kernel_features"].contains("tls_plaintext")) << start[0].dump();
    EXPECT_TRUE(start[0]["kernel_features"].contains("payload")) << start[0].dump();

    // doctor loads the same programs, so it says the same, and run still works: exit 0.
    auto doctor = run_egresswatch({"doctor"});
    EXPECT_EQ(doctor.exit_code, 0) << doctor.out << doctor.err;
    EXPECT_NE(doctor.out.find("  HTTPS requests (TLS library plaintext) unavailable: the verifier rejected "
                              "uprobe_tls_call_enter"),
              std::string::npos)
        << doctor.out;
    EXPECT_NE(doctor.out.find("\nready, with less: "), std::string::npos) << doctor.out;
}

TEST_F(KernelFallbacks, WithNoTlsSocketHookHttpsRequestsAreReportedWithoutTheirConnection) {
    // This kernel has the sock_send_length tracepoint; refused, the loader goes on to fentry
    // and kprobes, which this kernel has neither of.
    ScopedEnv reject(kReject, "sock_send_length_tls_bind");
    auto events = observe(http_then_https());
    auto warnings = warnings_of(egresswatch_stderr());
    ASSERT_EQ(warnings.size(), 1u) << egresswatch_stderr();
    for (const char* part : {"joining HTTPS requests to their connections unavailable: the kernel refused every hook",
                             "tp_btf/sock_send_length", "fentry/tcp_sendmsg", "kprobe/tcp_sendmsg",
                             "still recorded: HTTPS requests without their connection"})
        EXPECT_NE(warnings[0].find(part), std::string::npos) << part << " in " << warnings[0];
    auto requests = https_requests(events);
    ASSERT_EQ(requests.size(), 1u) << "HTTPS requests are still read";
    EXPECT_EQ(requests[0]["path"], "/api/v1/status");
    EXPECT_EQ(requests[0]["host"], "secure.test");
    EXPECT_EQ(requests[0]["cookie"], 0) << requests[0].dump();
    auto lost = select(events, "lost", [](const json&) { return true; });
    ASSERT_FALSE(lost.empty());
    EXPECT_GE(lost.back()["reasons"].value("tls_unjoined", 0), 1) << lost.back().dump();
    auto start = select(events, "start", [](const json&) { return true; });
    EXPECT_NE(start[0]["kernel_features"]["tls_plaintext"].get<std::string>().find("joined through nothing"),
              std::string::npos)
        << start[0].dump();
}

TEST_F(KernelFallbacks, ARefusedProcessExitArgumentFallsBackToTheLiveCount) {
    ScopedEnv reject(kReject, "process_exit_group_dead");
    auto events = observe("curl -4 -sS -o /dev/null http://mirror.test/pool/a.deb");
    EXPECT_TRUE(warnings_of(egresswatch_stderr()).empty())
        << "the same exits, found another way: " << egresswatch_stderr();
    auto start = select(events, "start", [](const json&) { return true; });
    EXPECT_NE(start[0]["kernel_features"]["process_lineage"].get<std::string>().find("live thread count"),
              std::string::npos)
        << start[0].dump();
    auto curl = select(events, "exit", by_exe("/usr/bin/curl"));
    ASSERT_EQ(curl.size(), 1u);
    EXPECT_EQ(curl[0]["exit_code"], 0);
}

TEST_F(KernelFallbacks, ARefusedRequiredProgramStopsBeforeTheCommandWithTheVerifiersWords) {
    ScopedEnv reject(kReject, "connect4_record");
    std::string marker = dir_ + "/started";
    auto r = run_egresswatch({"run", "--quiet", "--out", dir_ + "/out", "--", "/bin/sh", "-c", "touch " + marker});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    ASSERT_EQ(lines_of(r.err).size(), 1u) << r.err;
    EXPECT_NE(r.err.find("loading the BPF programs failed: the verifier rejected connect4_record: "), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("(connections, which egresswatch cannot work without)"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("-v shows the verifier's whole log"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("root"), std::string::npos) << "it is root: " << r.err;
    EXPECT_FALSE(fs::exists(marker)) << "the command ran";
    EXPECT_FALSE(any_egresswatch_program_loaded());

    auto verbose = run_egresswatch({"-v", "run", "--quiet", "--out", dir_ + "/out", "--", "true"});
    EXPECT_EQ(verbose.exit_code, 2);
    EXPECT_NE(verbose.err.find("-- BEGIN PROG LOAD LOG --"), std::string::npos) << "-v shows the whole log";

    auto doctor = run_egresswatch({"doctor"});
    EXPECT_EQ(doctor.exit_code, 1) << doctor.out;
    EXPECT_NE(doctor.out.find("\nnot ready: egresswatch run and watch fail here: loading the BPF programs failed: "
                              "the verifier rejected connect4_record"),
              std::string::npos)
        << doctor.out;
}

TEST_F(KernelFallbacks, EnforcementGoesOnWithoutTlsButNotWithoutDnsAnswers) {
    std::string allow = file("allow.yaml", "version: 1\ndestinations:\n  - host: mirror.test\n    port: 80\n"
                                           "    proto: tcp\n");
    {
        // egresswatch runs inside with_resolver() too: the resolver it allows is the test's.
        ScopedEnv reject(kReject, "uprobe_tls_call_enter");
        std::string out = dir_ + "/enforced";
        auto r = sh(hosts_->with_resolver(
            std::string(EGRESSWATCH_BINARY) + " run --quiet --out " + out + " --enforce " + allow + " -- /bin/sh -c " +
            shell_quote("curl -4 -sS -o /dev/null http://mirror.test/pool/a.deb; curl -4 -sS -o "
                        "/dev/null --cacert " +
                        cert() + " https://secure.test/; echo \"https $?\"")));
        EXPECT_EQ(r.exit_code, 0) << r.err;
        EXPECT_NE(r.out.find("https 7"), std::string::npos) << "secure.test:443 is not allowed: " << r.out;
        EXPECT_EQ(warnings_of(r.err).size(), 1u) << r.err;
        auto events = read_events(out);
        EXPECT_EQ(select(events, "http", [](const json& e) { return e["path"] == "/pool/a.deb"; }).size(), 1u);
        EXPECT_EQ(select(events, "blocked", [](const json& e) { return e["dport"] == 443; }).size(), 1u);
    }
    ScopedEnv reject(kReject, "egress_capture");
    auto r = run_egresswatch({"run", "--quiet", "--out", dir_ + "/refused", "--enforce", allow, "--", "true"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    ASSERT_EQ(lines_of(r.err).size(), 1u) << r.err;
    EXPECT_NE(r.err.find("the verifier rejected egress_capture"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("--enforce learns allowed names' addresses from DNS answers there"), std::string::npos)
        << r.err;
    // Without --enforce the same refusal costs names only.
    auto events = observe("curl -4 -sS -o /dev/null http://mirror.test/pool/a.deb");
    auto warnings = warnings_of(egresswatch_stderr());
    ASSERT_EQ(warnings.size(), 1u) << egresswatch_stderr();
    EXPECT_NE(warnings[0].find("names and requests (DNS, TLS SNI, HTTP) unavailable: the verifier rejected "
                               "egress_capture"),
              std::string::npos)
        << warnings[0];
    EXPECT_EQ(select(events, "connect", connect_to("/usr/bin/curl", hosts_->v4(), 80)).size(), 1u);
    EXPECT_TRUE(select(events, "http", [](const json&) { return true; }).empty());
}

// The threads of these processes leave do_exit() at once: with the live count, more than one
// may see it at 0, and the kernel must still report each process once. Without the kernel's
// dedup, 300 such processes gave 4 to 11 extra exits in each of three runs on this VM.
TEST_F(KernelFallbacks, EveryProcessExitsOnceWhateverTheExitHook) {
    for (const char* hook : {"", "live_count"}) {
        ScopedEnv exit_hook("EGRESSWATCH_TEST_EXIT_HOOK", hook);
        auto events =
            observe("i=0; while [ $i -lt 300 ]; do " + std::string(THREADS_EXIT_BINARY) + " 2; i=$((i + 1)); done");
        auto start = select(events, "start", [](const json&) { return true; });
        EXPECT_NE(start[0]["kernel_features"]["process_lineage"].get<std::string>().find(*hook ? "live thread count"
                                                                                               : "group_dead argument"),
                  std::string::npos)
            << start[0].dump();
        auto exits = select(events, "exit", by_exe(THREADS_EXIT_BINARY));
        EXPECT_EQ(exits.size(), 300u) << "exit hook '" << hook << "'";
        std::set<std::uint32_t> pids;
        for (const auto& e : exits) pids.insert(e["pid"].get<std::uint32_t>());
        EXPECT_EQ(pids.size(), 300u) << "a process exited twice";
        EXPECT_EQ(select(events, "exec", by_exe(THREADS_EXIT_BINARY)).size(), 300u);
    }
}
