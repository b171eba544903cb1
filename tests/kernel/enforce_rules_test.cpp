// --enforce with many distinct port rules: the kernel checks a destination's rule set in a
// bpf_loop callback, so an allowlist of 100 ports loads (a plain loop stopped loading past 12
// rules: the verifier's budget), and the last rule allows as the first does.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "kernel_env.h"
#include "test_network.h"

using namespace egresswatch::test;

TEST(EnforceRules, AHundredPortsLoadAndTheLastRuleAllows) {
    EW_REQUIRE_KERNEL();
    TestNetwork net;
    ASSERT_TRUE(net.ready()) << net.error();
    std::string dir = make_temp_dir("ew-enforce-rules-");
    std::string yaml = "version: 1\ndestinations:\n";
    for (int port = 20000; port < 20100; ++port)
        yaml += "  - addresses: [" + net.v4() + "]\n    port: " + std::to_string(port) + "\n    proto: udp\n";
    std::ofstream(dir + "/allow.yaml") << yaml;
    // Connected UDP: connect() sends nothing, and --enforce answers it (EPERM or not).
    std::string probe = R"(import socket, sys
for port in (20000, 20099, 20100):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect((sys.argv[1], port))
        print(port, "ok")
    except OSError as e:
        print(port, e.errno)
)";
    auto r = run_egresswatch({"run", "--quiet", "--out", dir + "/out", "--enforce", dir + "/allow.yaml", "--",
                              "/usr/bin/python3", "-c", probe, net.v4()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "20000 ok\n20099 ok\n20100 1\n") << r.err;
    std::filesystem::remove_all(dir);
}
