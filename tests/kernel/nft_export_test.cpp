// The nftables export is checked by nft itself: `nft -c` runs the whole transaction in the
// kernel's nf_tables and throws it away, which needs CAP_NET_ADMIN (hence a kernel test)
// but changes no rule on the host.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "kernel_env.h"

namespace egresswatch {
namespace {

std::optional<std::string> nft_unavailable_reason() {
    if (geteuid() != 0) return "nft -c needs root (CAP_NET_ADMIN)";
    if (test::sh("command -v nft || test -x /usr/sbin/nft").exit_code != 0)
        return "nft is not installed (scripts/install-deps.sh installs nftables)";
    return std::nullopt;
}

#define EW_REQUIRE_NFT()                                                            \
    do {                                                                            \
        if (auto why = nft_unavailable_reason()) {                                  \
            if (test::kernel_tests_required())                                      \
                FAIL() << "nftables test cannot run: " << *why                      \
                       << " (EGRESSWATCH_REQUIRE_KERNEL_TESTS=1 forbids skipping)"; \
            else                                                                    \
                GTEST_SKIP() << "nftables test skipped: " << *why;                  \
        }                                                                           \
    } while (0)

test::CommandResult nft_check(const std::string& file) {
    return test::sh("PATH=$PATH:/usr/sbin:/sbin nft -c -f '" + file + "'");
}

TEST(NftablesExport, NftAcceptsTheExportedRuleset) {
    EW_REQUIRE_NFT();
    std::string dir = test::make_temp_dir("ew-nft-");
    for (const char* fixture : {"hand-written.yaml", "job-amd64.yaml", "merged.yaml"}) {
        SCOPED_TRACE(fixture);
        std::string out = dir + "/" + fixture + ".nft";
        auto r = test::run_egresswatch({"allowlist", "export", std::string(FIXTURES_DIR) + "/allowlist/" + fixture,
                                        "--format", "nftables", "--resolver", "192.0.2.53", "-o", out});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        auto check = nft_check(out);
        EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
    }
    std::filesystem::remove_all(dir);
}

TEST(NftablesExport, NftRejectsABrokenRuleset) {
    EW_REQUIRE_NFT();
    // Proves that the check above checks something.
    std::string dir = test::make_temp_dir("ew-nft-");
    std::ofstream(dir + "/broken.nft") << "table inet egresswatch {\n    set s { type ipv4_addr . inet_service\n"
                                          "        elements = { 192.0.2.1 . 80 . 3 } }\n}\n";
    EXPECT_NE(nft_check(dir + "/broken.nft").exit_code, 0);
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace egresswatch
