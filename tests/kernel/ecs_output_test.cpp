// --json-format ecs end to end: a real run's events.jsonl in Elastic Common Schema names, as
// Filebeat or Vector would ship it: DNS, the TLS SNI and HTTP requests of real curl against
// NamedTestHosts, each on its process; --json streams the same documents on standard output;
// the report is still written from the session.
#include "named_hosts_run.h"

using namespace egresswatch::test;

namespace {

class EcsOutput : public NamedHostsRun {};

const json* find_doc(const std::vector<json>& docs, const std::string& dataset, const Pred& pred) {
    for (const json& d : docs)
        if (d.contains("event") && d["event"].value("dataset", "") == dataset && pred(d)) return &d;
    return nullptr;
}

}  // namespace

TEST_F(EcsOutput, ARunsEventsAreEcsDocuments) {
    auto docs = observe("curl -4 -sS -o /dev/null http://mirror.test/ && curl -4 -sS -o /dev/null --cacert " + cert() +
                            " https://secure.test/",
                        {"--json-format", "ecs", "--json"});
    // --json streams the same documents on standard output, line for line.
    EXPECT_EQ(lines_of(command_out()), lines_of(read_text(out() + "/events.jsonl")));
    for (const json& d : docs) {
        EXPECT_TRUE(d.contains("@timestamp")) << d.dump();
        EXPECT_FALSE(d.contains("type")) << "no native field: " << d.dump();
    }
    const json* dns = find_doc(docs, "egresswatch.dns",
                               [](const json& d) { return d["dns"]["question"].value("name", "") == "mirror.test"; });
    ASSERT_NE(dns, nullptr);
    EXPECT_EQ((*dns)["process"]["executable"], "/usr/bin/curl");
    const json* http = find_doc(docs, "egresswatch.http", [](const json& d) { return d.contains("url"); });
    ASSERT_NE(http, nullptr);
    EXPECT_EQ((*http)["http"]["request"]["method"], "GET");
    EXPECT_EQ((*http)["http"]["response"]["status_code"], 200) << http->dump();
    EXPECT_EQ((*http)["url"]["path"], "/");
    EXPECT_EQ((*http)["destination"]["port"], NamedTestHosts::kHttpPort);
    const json* tls = find_doc(docs, "egresswatch.tls", [](const json&) { return true; });
    ASSERT_NE(tls, nullptr);
    EXPECT_EQ((*tls)["tls"]["client"]["server_name"], "secure.test") << tls->dump();
    EXPECT_TRUE(allowlist_names(allowlist(), "secure.test")) << allowlist();
    // report reads the native format only, and says so.
    auto r = run_command({EGRESSWATCH_BINARY, "report", "--quiet", out() + "/events.jsonl", "--out", dir_ + "/again"},
                         std::chrono::seconds(30));
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("ECS format"), std::string::npos) << r.err;
}
