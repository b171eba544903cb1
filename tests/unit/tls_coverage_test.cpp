// Why an HTTPS connection's requests were not seen: the reason from what the process runs,
// its words in the summary, and the reading of real processes and files (a Go binary is
// recognised by its ELF sections, stripped or not).
#include <gtest/gtest.h>
#include <unistd.h>

#include <sstream>

#include "base/json.h"
#include "protocols/tls/coverage.h"
#include "report/aggregator.h"
#include "report/jsonl.h"
#include "report/jsonl/codecs.h"
#include "report/report.h"
#include "system/go_binary.h"
#include "system/tls_runtime.h"

namespace egresswatch {
namespace {

TlsRuntime runtime(std::string exe, std::vector<std::string> mapped, bool go = false, bool go_probed = false) {
    return TlsRuntime{std::move(exe), go, std::move(mapped), true, go_probed};
}

TEST(TlsCoverage, TheReasonComesFromWhatTheProcessRuns) {
    EXPECT_EQ(tls_not_visible_reason(TlsRuntime{}), "process-gone");
    EXPECT_EQ(tls_not_visible_reason(runtime("/usr/local/bin/terraform", {}, true)), "not-probed: go");
    EXPECT_EQ(tls_not_visible_reason(runtime("/usr/local/bin/helm", {}, true, true)), "not-seen: go");
    EXPECT_NE(tls_not_visible_explanation("not-seen: go").find("go is probed"), std::string::npos);
    EXPECT_EQ(tls_not_visible_reason(runtime("/usr/lib/jvm/java-17/bin/java", {"/usr/lib/jvm/x/libjvm.so"})),
              "not-covered: java");
    EXPECT_EQ(tls_not_visible_reason(runtime("/opt/app", {"/usr/lib/jvm/x/lib/server/libjvm.so"})),
              "not-covered: java");
    EXPECT_EQ(tls_not_visible_reason(runtime("/usr/bin/curl", {"/usr/lib/x86_64-linux-gnu/libssl.so.3"})),
              "not-seen: openssl");
    EXPECT_EQ(tls_not_visible_reason(runtime("/usr/bin/wget", {"/usr/lib/x86_64-linux-gnu/libgnutls.so.30"})),
              "not-seen: gnutls");
    EXPECT_EQ(tls_not_visible_reason(runtime("/usr/lib/firefox/firefox", {"/usr/lib/x86_64-linux-gnu/libnss3.so"})),
              "not-covered: nss");
    EXPECT_EQ(tls_not_visible_reason(runtime("/usr/bin/rust-app", {"/usr/lib/x86_64-linux-gnu/libc.so.6"})),
              "not-covered: unknown");
    EXPECT_EQ(tls_not_visible_explanation("not-covered: java"), "Java TLS is not covered");
    EXPECT_NE(tls_not_visible_explanation("not-seen: openssl").find("openssl is probed"), std::string::npos);
}

TEST(TlsCoverage, ThisProcessIsReadAndIsNotGo) {
    TlsRuntime self = read_tls_runtime("/proc", static_cast<std::uint32_t>(getpid()));
    ASSERT_TRUE(self.known);
    EXPECT_FALSE(self.go) << "a C++ test binary";
    EXPECT_FALSE(self.mapped.empty());
    EXPECT_FALSE(inspect_go_binary("/bin/sh").go);
    EXPECT_FALSE(inspect_go_binary("/nonexistent").go);
    TlsReasons reasons;
    EXPECT_EQ(reasons.reason(0x7fffffff, "/nonexistent/gone"), "process-gone");
}

TEST(TlsCoverage, TheSummarySaysEachGapInOneLine) {
    Aggregator agg;
    TlsEndRecord seen;
    seen.process.exe = "/usr/bin/curl";
    seen.requests = 3;
    seen.library = "openssl";
    agg.on_tls_end(seen);
    TlsEndRecord java;
    java.process.exe = "/usr/bin/java";
    java.not_visible = "not-covered: java";
    for (int i = 0; i < 3; ++i) agg.on_tls_end(java);
    std::ostringstream text;
    write_summary(text, agg, ScopeFilter::all);
    EXPECT_NE(
        text.str().find("  3 HTTPS connections from /usr/bin/java: requests not visible (Java TLS is not covered)\n"),
        std::string::npos)
        << text.str();
    EXPECT_EQ(text.str().find("curl: requests not visible"), std::string::npos);
    std::ostringstream report;
    write_report(report, agg, {});
    Json json = Json::parse(report.str());
    EXPECT_EQ(json["summary"]["https_requests_not_visible"], Json({{"not-covered: java", 3}}));
    EXPECT_EQ(json["https_not_visible"][0]["exe"], "/usr/bin/java");
    EXPECT_EQ(json["https_not_visible"][0]["connections"], 3);
}

TEST(TlsCoverage, TheTlsEndLineReadsBackAsWritten) {
    TlsEndRecord r;
    r.ts_ns = 1'795'000'000'000'000'000;
    r.process.pid = r.process.tid = 9;
    r.process.comm = "terraform";
    r.process.exe = "/usr/local/bin/terraform";
    r.address = *IpAddress::parse("198.18.0.3");
    r.port = 443;
    r.cookie = 77;
    r.sni = "registry.test";
    r.not_visible = "not-probed: go";
    Json j = to_json(r);
    EXPECT_EQ(j["type"], "tls_end");
    EXPECT_EQ(j["requests_visible"], false);
    EXPECT_EQ(j["reason"], "not-probed: go");
    TlsEndRecord back = tls_end_from(j);
    EXPECT_EQ(back.not_visible, r.not_visible);
    EXPECT_EQ(back.sni, r.sni);
    EXPECT_EQ(back.cookie, 77u);
    EXPECT_EQ(back.process.exe, r.process.exe);
    EXPECT_EQ(to_json(back), j);
}

}  // namespace
}  // namespace egresswatch
