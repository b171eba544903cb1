// `egresswatch allowlist merge|diff|export` through the real binary: exit codes, stdout
// versus -o, and a malformed allowlist's one-line error.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "common/subprocess.h"
#include "golden.h"

namespace egresswatch {
namespace {

test::CommandResult egresswatch_cmd(std::vector<std::string> args) {
    args.insert(args.begin(), EGRESSWATCH_BINARY);
    return test::run_command(args);
}

std::string fixture(const char* name) { return test::fixture_path(std::string("allowlist/") + name); }

TEST(AllowlistCli, MergeWritesStdoutOrFile) {
    auto r = egresswatch_cmd({"allowlist", "merge", fixture("job-arm64.yaml"), fixture("job-amd64.yaml")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("registry.example.org"), std::string::npos);
    EXPECT_NE(r.out.find("sources:"), std::string::npos);
    std::string dir = test::make_temp_dir("ew-allowlist-");
    auto to_file = egresswatch_cmd({"allowlist", "merge", fixture("job-amd64.yaml"), "-o", dir + "/m.yaml"});
    ASSERT_EQ(to_file.exit_code, 0) << to_file.err;
    EXPECT_TRUE(to_file.out.empty());
    EXPECT_NE(test::read_text(dir + "/m.yaml").find("version: 1"), std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST(AllowlistCli, AWholeSuffixWildcardIsWarnedAboutOnceOnStderr) {
    std::string dir = test::make_temp_dir("ew-allowlist-");
    std::string path = dir + "/wide.yaml";
    std::ofstream(path) << "version: 1\ndestinations:\n  - host: \"*.com\"\n    port: 443\n    proto: tcp\n";
    auto r = egresswatch_cmd({"allowlist", "merge", path});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find(path + ":3: host '*.com' allows every name anyone can register under 'com'"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one warning: " << r.err;
    std::filesystem::remove_all(dir);
}

TEST(AllowlistCli, DiffExitsLikeDiff) {
    auto same = egresswatch_cmd({"allowlist", "diff", fixture("job-amd64.yaml"), fixture("job-amd64.yaml")});
    EXPECT_EQ(same.exit_code, 0) << same.err;
    EXPECT_EQ(same.out, "");
    auto different = egresswatch_cmd({"allowlist", "diff", fixture("job-amd64.yaml"), fixture("job-arm64.yaml")});
    EXPECT_EQ(different.exit_code, 1) << different.err;
    EXPECT_EQ(different.out, test::read_text(fixture("diff.txt")));
    auto json = egresswatch_cmd({"allowlist", "diff", "--json", fixture("job-amd64.yaml"), fixture("job-arm64.yaml")});
    EXPECT_EQ(json.exit_code, 1);
    EXPECT_EQ(json.out, test::read_text(fixture("diff.json")));
    auto missing = egresswatch_cmd({"allowlist", "diff", fixture("job-amd64.yaml")});
    EXPECT_EQ(missing.exit_code, 2) << "one file is a usage error, not a difference";
}

TEST(AllowlistCli, ExportEveryFormat) {
    for (const char* format : {"nftables", "k8s", "cilium", "squid", "hosts", "conn-check", "harden-runner"}) {
        auto r = egresswatch_cmd({"allowlist", "export", fixture("hand-written.yaml"), "--format", format});
        EXPECT_EQ(r.exit_code, 0) << format << ": " << r.err;
        EXPECT_FALSE(r.out.empty()) << format;
    }
    auto bad = egresswatch_cmd({"allowlist", "export", fixture("hand-written.yaml"), "--format", "iptables"});
    EXPECT_EQ(bad.exit_code, 2);
    auto resolver = egresswatch_cmd(
        {"allowlist", "export", fixture("hand-written.yaml"), "-f", "nftables", "--resolver", "not-an-ip"});
    EXPECT_EQ(resolver.exit_code, 2);
    EXPECT_NE(resolver.err.find("--resolver: 'not-an-ip' is not an IP address"), std::string::npos) << resolver.err;
}

TEST(AllowlistCli, MalformedAllowlistIsOneLineExitTwo) {
    std::string dir = test::make_temp_dir("ew-allowlist-");
    std::ofstream(dir + "/bad.yaml") << "version: 1\ndestinations:\n  - host: a.example\n    port: 0\n    proto: tcp\n";
    for (std::vector<std::string> args : {std::vector<std::string>{"allowlist", "merge", dir + "/bad.yaml"},
                                          {"allowlist", "diff", dir + "/bad.yaml", fixture("job-amd64.yaml")},
                                          {"allowlist", "export", dir + "/bad.yaml", "-f", "hosts"}}) {
        auto r = egresswatch_cmd(args);
        EXPECT_EQ(r.exit_code, 2) << args[1];
        EXPECT_EQ(r.err, "egresswatch: " + dir + "/bad.yaml:4: port 0 is out of range (use 1 to 65535)\n");
        EXPECT_TRUE(r.out.empty());
    }
    auto unwritable = egresswatch_cmd({"allowlist", "merge", fixture("job-amd64.yaml"), "-o", "/proc/nope/x.yaml"});
    EXPECT_EQ(unwritable.exit_code, 2);
    EXPECT_NE(unwritable.err.find("cannot write /proc/nope/x.yaml"), std::string::npos) << unwritable.err;
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace egresswatch
