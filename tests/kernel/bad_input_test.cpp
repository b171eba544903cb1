// Environments egresswatch cannot work in get one clear line and exit code 2.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "kernel_env.h"

using namespace egresswatch::test;

namespace {
std::size_t lines(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }
}  // namespace

TEST(BadInput, NotRoot) {
    EW_REQUIRE_KERNEL();
    std::string dir = make_temp_dir("ew-noroot-");
    chmod(dir.c_str(), 0777);
    auto r = run_command({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", EGRESSWATCH_BINARY, "run",
                          "--out", dir + "/out", "--", "true"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(lines(r.err), 1u) << r.err;
    EXPECT_NE(r.err.find("needs root"), std::string::npos) << r.err;
    std::filesystem::remove_all(dir);
}

TEST(BadInput, Cgroup2NotMounted) {
    EW_REQUIRE_KERNEL();
    std::string dir = make_temp_dir("ew-nocg-");
    // A private mount namespace without any cgroup2 mount; the host keeps its own.
    std::string script = "for m in $(awk '$3==\"cgroup2\"{print $2}' /proc/self/mounts); do umount -l \"$m\"; done; "
                         "exec " +
                         std::string(EGRESSWATCH_BINARY) + " run --out " + dir + " -- true";
    auto r = run_command({"unshare", "--mount", "--propagation", "private", "sh", "-c", script});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(lines(r.err), 1u) << r.err;
    EXPECT_NE(r.err.find("cgroup v2 is not mounted"), std::string::npos) << r.err;
    std::filesystem::remove_all(dir);
}

TEST(BadInput, MissingCommandAndUnknownCgroupAsRoot) {
    EW_REQUIRE_KERNEL();
    auto r = run_egresswatch({"run", "--out", "/tmp/ew-never", "--", "/nonexistent/deploy.sh"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(lines(r.err), 1u) << r.err;
    auto w = run_egresswatch({"watch", "--out", "/tmp/ew-never", "--cgroup", "/no/such/cgroup", "--duration", "1s"});
    EXPECT_EQ(w.exit_code, 2);
    EXPECT_EQ(lines(w.err), 1u) << w.err;
    EXPECT_NE(w.err.find("no such cgroup"), std::string::npos) << w.err;
    EXPECT_FALSE(any_egresswatch_program_loaded());
}

TEST(BadInput, DoctorReportsTheHooksItChose) {
    EW_REQUIRE_KERNEL();
    auto r = run_egresswatch({"doctor"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("yes cgroup/connect4"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("yes tp_btf"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("no  kprobe"), std::string::npos) << "this kernel has no kprobes: " << r.out;
    EXPECT_NE(r.out.find("ready"), std::string::npos);
    // The TLS libraries the machine has (install-deps installs curl's and wget's).
    EXPECT_NE(r.out.find("attached openssl: /usr/lib/x86_64-linux-gnu/libssl.so.3 (SSL_write, SSL_read"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("attached gnutls: /usr/lib/x86_64-linux-gnu/libgnutls.so.30"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("not covered (their HTTPS connections are named by TLS SNI only): Go crypto/tls"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("enforcement (run --enforce):\n  available"), std::string::npos) << r.out;
}

TEST(BadInput, FailedStartKeepsAnEarlierRunsEvents) {
    EW_REQUIRE_KERNEL();
    std::string dir = make_temp_dir("ew-keep-");
    chmod(dir.c_str(), 0777);
    std::string earlier = "{\"type\":\"start\",\"ts\":\"2026-11-22T00:00:00Z\"}\n";
    { std::ofstream(dir + "/events.jsonl") << earlier; }
    chmod((dir + "/events.jsonl").c_str(), 0666);
    auto r = run_command({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", EGRESSWATCH_BINARY, "run",
                          "--out", dir, "--", "true"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(read_text(dir + "/events.jsonl"), earlier) << "a run that never started erased earlier results";
    std::filesystem::remove_all(dir);
}

TEST(BadInput, AScriptWithoutAShebangRunsUnderShAsAShellWouldRunIt) {
    EW_REQUIRE_KERNEL();
    std::string dir = make_temp_dir("ew-script-");
    std::string script = dir + "/deploy.sh";
    { std::ofstream(script) << "echo \"ran with $# arguments: $*\"\n"; }
    chmod(script.c_str(), 0755);
    auto r = run_egresswatch({"run", "--quiet", "--out", dir + "/out", "--", script, "a", "b"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "ran with 2 arguments: a b\n");
    EXPECT_TRUE(std::filesystem::exists(dir + "/out/report.json")) << r.err;
    std::filesystem::remove_all(dir);
}

TEST(BadInput, ACommandThatCannotBeExecutedLeavesNothingInOut) {
    EW_REQUIRE_KERNEL();
    std::string dir = make_temp_dir("ew-noexec-");
    std::string script = dir + "/deploy.sh";
    { std::ofstream(script) << "#!/nonexistent/interpreter\necho never\n"; }
    chmod(script.c_str(), 0755);
    std::string out = dir + "/out";
    auto r = run_egresswatch({"run", "--quiet", "--out", out, "--", script});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(lines(r.err), 1u) << r.err;
    EXPECT_NE(r.err.find("cannot execute " + script), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(out)) << "the run left its --out behind";
    EXPECT_FALSE(any_egresswatch_program_loaded());
    std::filesystem::remove_all(dir);
}
