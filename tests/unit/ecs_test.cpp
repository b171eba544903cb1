// --json-format ecs (report/ecs/): every field of every document is an ECS field holding the JSON
// its ECS type takes, checked against ECS's own field list; the categorization fields take ECS's
// allowed values; the mappings say what they should; and `report` refuses an ECS file in one line.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "base/timefmt.h"
#include "common/subprocess.h"
#include "ecs_schema.h"
#include "report/ecs/ecs.h"
#include "report/jsonl.h"
#include "session_fixture.h"

using namespace egresswatch;

namespace {

constexpr std::int64_t kT0 = test::kT0;
const char* const kHost = "build-7";

const std::map<std::string, std::string>& ecs_fields() {
    static const auto fields = test::load_ecs_fields(ECS_FIELDS_CSV);
    return fields;
}

// A field by its dotted ECS name; null when the document lacks it.
Json field(const Json& doc, const std::string& name) {
    const Json* at = &doc;
    std::size_t start = 0;
    for (std::size_t dot = 0; dot != std::string::npos; start = dot + 1) {
        dot = name.find('.', start);
        std::string key = name.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (!at->is_object() || !at->contains(key)) return nullptr;
        at = &(*at)[key];
    }
    return *at;
}

ProcessRef container_process() {
    ProcessRef p;
    p.pid = p.tid = 48213;
    p.uid = 1000;
    p.comm = "curl";
    p.exe = "/usr/bin/curl";
    p.argv = {"curl", "-sS", "https://api.github.com/repos/acme/app"};
    p.cgroup = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1d2f6a0e.slice/"
               "cri-containerd-3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081.scope";
    p.ancestry = {{48200, "sh", "/bin/sh"}, {48100, "containerd-shim", "/usr/bin/containerd-shim-runc-v2"}};
    ContainerInfo c;
    c.id = "3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081";
    c.name = "fetcher";
    c.image = "docker.io/curlimages/curl:8.8.0";
    c.runtime = Runtime::containerd;
    c.pod =
        PodInfo{"ci", "fetcher-7d9f8c6b5-x2kqp", "1d2f6a0e-5b4c-4d3e-9f8a-7b6c5d4e3f2a", "fetcher", PodQos::burstable};
    p.container = c;
    return p;
}

ProcessRef host_process(std::uint32_t pid, const char* comm, const char* exe, std::vector<std::string> argv) {
    ProcessRef p = test::process(pid, comm, exe, {{100, "deploy.sh", "/srv/deploy.sh"}});
    p.argv = std::move(argv);
    return p;
}

ConnectionRecord container_connect() {
    ConnectionRecord r;
    r.ts_ns = kT0 + 1'000'000;
    r.protocol = 6;
    r.address = *IpAddress::parse("140.82.121.6");
    r.port = 443;
    r.cookie = 8812;
    r.process = container_process();
    r.host = "api.github.com";
    r.host_source = "tls-sni";
    return r;
}

ConnectionRecord blocked_send() {
    ConnectionRecord r;
    r.ts_ns = kT0 + 2'000'000;
    r.kind = SockEventKind::send;
    r.verdict = Verdict::blocked;
    r.protocol = 17;
    r.address = *IpAddress::parse("2001:4860:4860::8888");
    r.port = 53;
    r.process = host_process(102, "python3", "/usr/bin/python3.11", {"python3", "resolve.py"});
    return r;
}

ConnectionRecord unverified_connect() {
    ConnectionRecord r = container_connect();
    r.verdict = Verdict::unverified;
    r.host.reset();
    r.host_source.reset();
    return r;
}

DnsLookupRecord dns_with_cname() {
    DnsLookupRecord r;
    r.ts_ns = kT0 + 3'000'000;
    r.process = container_process();
    r.protocol = 17;
    r.server = *IpAddress::parse("10.96.0.10");
    r.server_port = 53;
    r.id = 4242;
    r.question = "www.example.com";
    r.qtype = "A";
    r.rcode = "NOERROR";
    r.answers = {{"www.example.com", "CNAME", 300, std::nullopt, "www.example.com-v4.edgesuite.net"},
                 {"www.example.com-v4.edgesuite.net", "A", 20, IpAddress::parse("23.215.0.136"), ""},
                 {"www.example.com-v4.edgesuite.net", "A", 20, IpAddress::parse("23.215.0.138"), ""}};
    return r;
}

TlsRecord tls_with_sni() {
    TlsRecord r;
    r.ts_ns = kT0 + 4'000'000;
    r.process = container_process();
    r.address = *IpAddress::parse("140.82.121.6");
    r.port = 443;
    r.cookie = 8812;
    r.sni = "api.github.com";
    r.alpn = {"h2", "http/1.1"};
    r.tls_version = "1.2";
    r.alpn_selected = "h2";
    return r;
}

TlsEndRecord tls_end(std::optional<std::string> not_visible) {
    TlsEndRecord r;
    r.ts_ns = kT0 + 9'000'000;
    r.process = container_process();
    r.address = *IpAddress::parse("140.82.121.6");
    r.port = 443;
    r.cookie = 8812;
    r.sni = "api.github.com";
    r.requests = not_visible ? 0 : 3;
    if (!not_visible) r.library = "openssl";
    r.not_visible = std::move(not_visible);
    return r;
}

// An HTTP/2 gRPC call over TLS, read from Go's crypto/tls.
HttpRecord grpc_call(std::optional<int> grpc_status) {
    HttpRecord r;
    r.ts_ns = kT0 + 5'000'000;
    r.process = host_process(103, "greeter", "/opt/greeter/bin/greeter", {"greeter", "--target=grpc.example.com:443"});
    r.address = *IpAddress::parse("198.51.100.7");
    r.port = 443;
    r.cookie = 9001;
    r.tls = true;
    r.tls_library = "go";
    r.host = "grpc.example.com";
    r.http_version = "2";
    r.method = "POST";
    r.path = "/helloworld.Greeter/SayHello";
    r.user_agent = "grpc-go/1.64.0";
    r.request_bytes = 12;
    r.headers = {{"content-type", "application/grpc"}, {"te", "trailers"}};
    r.status = 200;
    r.response_time_ms = 12.5;
    r.grpc = true;
    r.grpc_status = grpc_status;
    return r;
}

// Plaintext HTTP/1.1 to a port in the Host header, with a redacted query and a bad header.
HttpRecord plain_http() {
    HttpRecord r;
    r.ts_ns = kT0 + 6'000'000;
    r.process = host_process(101, "curl", "/usr/bin/curl", {"curl", "http://mirror.example:8080/pool/x_1.0.deb"});
    r.address = *IpAddress::parse("198.18.0.3");
    r.port = 8080;
    r.host = "mirror.example:8080";
    r.http_version = "1.1";
    r.method = "GET";
    r.path = "/pool/x_1.0.deb?token=REDACTED";
    r.user_agent = "curl/7.88.1";
    r.status = 404;
    r.response_time_ms = 1.443;
    r.response_bytes = 153;
    r.file_type = "package";
    r.malformed = "a control byte in header X-Trace";
    return r;
}

// An HTTP/2 request whose header block could not be decoded: no path, no Host.
HttpRecord desynced_h2() {
    HttpRecord r = grpc_call(std::nullopt);
    r.grpc = false;
    r.host.reset();
    r.path.clear();
    r.hpack_desync = true;
    r.status.reset();
    r.response_time_ms.reset();
    r.reset = "CANCEL";
    return r;
}

ExecRecord exec_in_container() {
    ExecRecord r;
    r.ts_ns = kT0 + 500'000;
    r.ppid = 48200;
    r.filename = "/usr/bin/curl";
    r.process = container_process();
    return r;
}

ExitRecord exit_with(std::uint32_t status) {
    ExitRecord r;
    r.ts_ns = kT0 + 8'000'000;
    r.pid = 48213;
    r.comm = "curl";
    r.exe = "/usr/bin/curl";
    r.exit_code = status;
    return r;
}

RepeatRecord repeats() {
    RepeatRecord r;
    r.ts_ns = kT0 + 7'000'000;
    r.kind = SockEventKind::connect;
    r.pid = 101;
    r.exe = "/usr/bin/curl";
    r.comm = "curl";
    r.destinations = {{*IpAddress::parse("93.184.216.34"), 443, 6, 3}, {*IpAddress::parse("fd00::53"), 53, 17, 5}};
    return r;
}

AlertRecord alert() {
    AlertRecord r;
    r.ts_ns = kT0 + 1'000'000;
    r.connection = container_connect();
    r.baseline = "base/allowlist.yaml";
    return r;
}

SessionStart start() {
    SessionStart r;
    r.ts_ns = kT0;
    r.mode = "run";
    r.command = {"./deploy.sh", "--prod"};
    r.cgroup = "/egresswatch-run-1";
    r.version = "0.1.0";
    r.kernel_features = {{"connections", "cgroup/connect4+connect6"}};
    r.baseline = "base/allowlist.yaml";
    return r;
}

std::vector<Json> documents_of(const std::string& text) {
    std::vector<Json> docs;
    for (const std::string& line : test::lines_of(text)) docs.push_back(Json::parse(line));
    return docs;
}

// Every kind of record, each way it can look, through the ECS writer.
std::vector<Json> every_record() {
    std::ostringstream out;
    EcsWriter writer(out, kHost);
    writer.on_start(start());
    writer.on_exec(exec_in_container());
    writer.on_connection(container_connect());
    writer.on_alert(alert());
    writer.on_connection(blocked_send());
    writer.on_connection(unverified_connect());
    writer.on_dns(dns_with_cname());
    writer.on_tls(tls_with_sni());
    writer.on_http(grpc_call(0));
    writer.on_http(grpc_call(14));
    writer.on_http(plain_http());
    writer.on_http(desynced_h2());
    writer.on_repeat(repeats());
    writer.on_exit(exit_with(256));
    writer.on_exit(exit_with(9));
    writer.on_tls_end(tls_end("not-seen: go"));
    writer.on_tls_end(tls_end(std::nullopt));
    writer.on_loss(LossRecord{kT0 + 9'500'000, {{"ringbuf_full_connect", 2}, {"dedup_full", 1}}});
    writer.on_stop(SessionStop{kT0 + 10'000'000, 0});
    return documents_of(out.str());
}

// The one document `write` produces.
template <typename Write>
Json one_document(Write write) {
    std::ostringstream out;
    EcsWriter writer(out, kHost);
    write(writer);
    writer.on_batch_end();
    std::vector<Json> docs = documents_of(out.str());
    EXPECT_EQ(docs.size(), 1u) << out.str();
    return docs.empty() ? Json() : docs.front();
}

}  // namespace

TEST(Ecs, TheFieldListIsThere) {
    ASSERT_GT(ecs_fields().size(), 1000u) << "cannot read the ECS field list " << ECS_FIELDS_CSV;
    EXPECT_EQ(ecs_fields().at("destination.port"), "long");
    EXPECT_EQ(ecs_fields().at("dns.answers"), "object");
}

// The check below must be able to fail: each of these is a way of not being ECS.
TEST(Ecs, TheCheckRefusesWhatIsNotEcs) {
    ASSERT_FALSE(ecs_fields().empty());
    for (const char* bad : {
             R"({"process":{"pid":"48213"}})",                     // a long as a string
             R"({"user":{"id":1000}})",                            // a keyword as a number
             R"({"destination":{"hostname":"api.test"}})",         // no such field
             R"({"egresswatch":{"cookie":8812}})",                 // a field set of our own
             R"({"process":{"executable":{"text":"x"}}})",         // a keyword written as an object
             R"({"@timestamp":"yesterday"})",                      // a date that is not one
             R"({"destination":{"ip":"api.test"}})",               // an ip that is not one
             R"({"dns":{"answers":[{"name":"a","rdata":"b"}]}})",  // an unknown field in an array of objects
             R"({"process":{"args":[["curl"]]}})",                 // an array in an array
             R"({"url":{"path":null}})",                           // null
             R"({"tls":{}})",                                      // an empty object
         })
        EXPECT_FALSE(test::ecs_problems(ecs_fields(), Json::parse(bad)).empty()) << bad;
    EXPECT_TRUE(test::ecs_problems(ecs_fields(), Json::parse(R"({"dns":{"answers":[{"name":"a","ttl":5}]}})")).empty());
}

TEST(Ecs, EveryFieldWrittenIsAnEcsFieldOfItsType) {
    ASSERT_FALSE(ecs_fields().empty());
    std::vector<Json> docs = every_record();
    ASSERT_EQ(docs.size(), 20u) << "one document a record, two for the repeat of two destinations";
    for (const Json& doc : docs) {
        std::vector<std::string> problems = test::ecs_problems(ecs_fields(), doc);
        EXPECT_TRUE(problems.empty()) << doc.dump() << "\n" << ::testing::PrintToString(problems);
    }
}

// The writers' shared fixture session too, as it is written for the golden files.
TEST(Ecs, TheFixtureSessionIsAllEcs) {
    ASSERT_FALSE(ecs_fields().empty());
    std::ostringstream out;
    EcsWriter writer(out, kHost);
    test::play_fixture_session(writer);
    std::vector<Json> docs = documents_of(out.str());
    ASSERT_GT(docs.size(), 15u);
    for (const Json& doc : docs)
        EXPECT_TRUE(test::ecs_problems(ecs_fields(), doc).empty())
            << doc.dump() << "\n"
            << ::testing::PrintToString(test::ecs_problems(ecs_fields(), doc));
}

TEST(Ecs, EveryDocumentIsCategorizedWithEcsValues) {
    std::set<std::string> actions;
    for (const Json& doc : every_record()) {
        SCOPED_TRACE(doc.dump());
        EXPECT_TRUE(test::kEcsEventKinds.count(field(doc, "event.kind").get<std::string>()));
        Json categories = field(doc, "event.category");
        Json types = field(doc, "event.type");
        ASSERT_TRUE(types.is_array() && !types.empty());
        for (const Json& type : types) {
            const std::string t = type.get<std::string>();
            EXPECT_TRUE(test::kEcsEventTypes.count(t)) << t;
            // Each type must be one ECS expects with at least one of the document's categories.
            if (!categories.is_array()) continue;
            bool expected = false;
            for (const Json& category : categories) {
                auto it = test::kEcsCategoryTypes.find(category.get<std::string>());
                ASSERT_NE(it, test::kEcsCategoryTypes.end()) << category;
                expected |= it->second.count(t) > 0;
            }
            EXPECT_TRUE(expected) << t << " with " << categories.dump();
        }
        EXPECT_EQ(field(doc, "event.module"), "egresswatch");
        EXPECT_EQ(field(doc, "event.dataset").get<std::string>().rfind("egresswatch.", 0), 0u);
        EXPECT_EQ(field(doc, "ecs.version"), kEcsVersion);
        EXPECT_EQ(field(doc, "host.name"), kHost);
        EXPECT_FALSE(doc.contains("type")) << "report tells ECS lines by their lack of \"type\"";
        actions.insert(field(doc, "event.action").get<std::string>());
    }
    EXPECT_EQ(actions, (std::set<std::string>{"start", "exec", "connect", "alert", "blocked", "dns", "tls", "http",
                                              "repeat", "exit", "tls_end", "lost", "stop"}));
}

TEST(Ecs, TimestampIsIso8601UtcWithFractionalSeconds) {
    Json doc = one_document([](EcsWriter& w) { w.on_connection(container_connect()); });
    std::string ts = doc["@timestamp"].get<std::string>();
    EXPECT_EQ(ts, format_timestamp(kT0 + 1'000'000));
    EXPECT_EQ(doc.begin().key(), "@timestamp");
    EXPECT_NE(ts.find('T'), std::string::npos);
    EXPECT_NE(ts.find('.'), std::string::npos);
    EXPECT_EQ(ts.back(), 'Z');
}

TEST(Ecs, ConnectionFromAContainer) {
    Json doc = one_document([](EcsWriter& w) { w.on_connection(container_connect()); });
    EXPECT_EQ(field(doc, "event.action"), "connect");
    EXPECT_EQ(field(doc, "event.dataset"), "egresswatch.connection");
    EXPECT_EQ(field(doc, "event.category"), Json::array({"network"}));
    EXPECT_EQ(field(doc, "event.type"), Json::array({"connection", "start"}));
    EXPECT_EQ(field(doc, "destination.ip"), "140.82.121.6");
    EXPECT_EQ(field(doc, "destination.port"), 443);
    EXPECT_EQ(field(doc, "destination.domain"), "api.github.com");
    EXPECT_EQ(field(doc, "destination.address"), "api.github.com");
    EXPECT_EQ(field(doc, "network.transport"), "tcp");
    EXPECT_EQ(field(doc, "network.iana_number"), "6");
    EXPECT_EQ(field(doc, "network.type"), "ipv4");
    EXPECT_EQ(field(doc, "network.direction"), "egress");
    EXPECT_EQ(field(doc, "process.pid"), 48213);
    EXPECT_EQ(field(doc, "process.thread.id"), 48213);
    EXPECT_EQ(field(doc, "process.name"), "curl");
    EXPECT_EQ(field(doc, "process.executable"), "/usr/bin/curl");
    EXPECT_EQ(field(doc, "process.args"), Json::array({"curl", "-sS", "https://api.github.com/repos/acme/app"}));
    EXPECT_EQ(field(doc, "process.args_count"), 3);
    EXPECT_EQ(field(doc, "process.parent.pid"), 48200);
    EXPECT_EQ(field(doc, "process.parent.name"), "sh");
    EXPECT_EQ(field(doc, "process.parent.executable"), "/bin/sh");
    EXPECT_EQ(field(doc, "user.id"), "1000");
    EXPECT_EQ(field(doc, "container.id"), "3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081");
    EXPECT_EQ(field(doc, "container.name"), "fetcher");
    EXPECT_EQ(field(doc, "container.image.name"), "docker.io/curlimages/curl:8.8.0");
    EXPECT_EQ(field(doc, "container.runtime"), "containerd");
    EXPECT_EQ(field(doc, "orchestrator.type"), "kubernetes");
    EXPECT_EQ(field(doc, "orchestrator.namespace"), "ci");
    EXPECT_EQ(field(doc, "orchestrator.resource.type"), "pod");
    EXPECT_EQ(field(doc, "orchestrator.resource.name"), "fetcher-7d9f8c6b5-x2kqp");
    EXPECT_EQ(field(doc, "orchestrator.resource.id"), "1d2f6a0e-5b4c-4d3e-9f8a-7b6c5d4e3f2a");
    EXPECT_TRUE(field(doc, "event.outcome").is_null()) << "a connect's success is not known";
}

TEST(Ecs, AHostProcessHasNoContainerOrPod) {
    ConnectionRecord r = container_connect();
    r.process = host_process(101, "curl", "/usr/bin/curl", {"curl"});
    Json doc = one_document([&](EcsWriter& w) { w.on_connection(r); });
    EXPECT_FALSE(doc.contains("container"));
    EXPECT_FALSE(doc.contains("orchestrator"));
    EXPECT_EQ(field(doc, "process.parent.executable"), "/srv/deploy.sh");
}

TEST(Ecs, BlockedAndUnverifiedConnections) {
    Json blocked = one_document([](EcsWriter& w) { w.on_connection(blocked_send()); });
    EXPECT_EQ(field(blocked, "event.action"), "blocked");
    EXPECT_EQ(field(blocked, "event.type"), Json::array({"connection", "denied"}));
    EXPECT_EQ(field(blocked, "event.outcome"), "failure");
    EXPECT_EQ(field(blocked, "network.transport"), "udp");
    EXPECT_EQ(field(blocked, "network.type"), "ipv6");
    EXPECT_EQ(field(blocked, "destination.address"), "2001:4860:4860::8888") << "no name: the address";
    EXPECT_FALSE(field(blocked, "destination").contains("domain"));

    Json unverified = one_document([](EcsWriter& w) { w.on_connection(unverified_connect()); });
    EXPECT_EQ(field(unverified, "event.action"), "connect");
    EXPECT_EQ(field(unverified, "event.reason"), "unverified");
    EXPECT_TRUE(field(unverified, "event.outcome").is_null());
}

TEST(Ecs, DnsAnswerWithCnameAndAddresses) {
    Json doc = one_document([](EcsWriter& w) { w.on_dns(dns_with_cname()); });
    EXPECT_EQ(field(doc, "event.dataset"), "egresswatch.dns");
    EXPECT_EQ(field(doc, "dns.type"), "answer");
    EXPECT_EQ(field(doc, "dns.id"), "4242");
    EXPECT_EQ(field(doc, "dns.question.name"), "www.example.com");
    EXPECT_EQ(field(doc, "dns.question.type"), "A");
    EXPECT_EQ(field(doc, "dns.response_code"), "NOERROR");
    Json answers = field(doc, "dns.answers");
    ASSERT_EQ(answers.size(), 3u);
    EXPECT_EQ(answers[0], (Json{{"name", "www.example.com"},
                                {"type", "CNAME"},
                                {"ttl", 300},
                                {"data", "www.example.com-v4.edgesuite.net"}}));
    EXPECT_EQ(answers[1]["type"], "A");
    EXPECT_EQ(answers[1]["data"], "23.215.0.136");
    EXPECT_EQ(field(doc, "dns.resolved_ip"), Json::array({"23.215.0.136", "23.215.0.138"}))
        << "addresses only: a CNAME's target is no IP";
    EXPECT_EQ(field(doc, "destination.ip"), "10.96.0.10");
    EXPECT_EQ(field(doc, "destination.port"), 53);
    EXPECT_EQ(field(doc, "network.transport"), "udp");
    EXPECT_EQ(field(doc, "network.protocol"), "dns");
    EXPECT_EQ(field(doc, "container.name"), "fetcher");
}

TEST(Ecs, TlsHelloWithSniAndAlpn) {
    Json doc = one_document([](EcsWriter& w) { w.on_tls(tls_with_sni()); });
    EXPECT_EQ(field(doc, "tls.client.server_name"), "api.github.com");
    EXPECT_EQ(field(doc, "tls.version"), "1.2");
    EXPECT_EQ(field(doc, "tls.version_protocol"), "tls");
    EXPECT_EQ(field(doc, "tls.next_protocol"), "h2");
    EXPECT_EQ(field(doc, "destination.domain"), "api.github.com");
    EXPECT_EQ(field(doc, "network.protocol"), "tls");

    // TLS 1.3 hides the chosen protocol; an unknown version has no number to give.
    TlsRecord hidden = tls_with_sni();
    hidden.tls_version = "0x7f1c";
    hidden.alpn_selected.reset();
    Json other = one_document([&](EcsWriter& w) { w.on_tls(hidden); });
    EXPECT_FALSE(field(other, "tls").contains("version"));
    EXPECT_FALSE(field(other, "tls").contains("next_protocol"));
}

TEST(Ecs, TlsEndSaysWhetherRequestsWereVisible) {
    Json unseen = one_document([](EcsWriter& w) { w.on_tls_end(tls_end("not-seen: go")); });
    EXPECT_EQ(field(unseen, "event.type"), Json::array({"connection", "end"}));
    EXPECT_EQ(field(unseen, "event.reason"), "not-seen: go");
    EXPECT_EQ(field(unseen, "message"), "no HTTP request visible: not-seen: go");
    Json seen = one_document([](EcsWriter& w) { w.on_tls_end(tls_end(std::nullopt)); });
    EXPECT_TRUE(field(seen, "event.reason").is_null());
    EXPECT_EQ(field(seen, "message"), "3 HTTP requests read from openssl's plaintext");
}

TEST(Ecs, GrpcCallOverHttp2) {
    Json doc = one_document([](EcsWriter& w) { w.on_http(grpc_call(0)); });
    EXPECT_EQ(field(doc, "event.dataset"), "egresswatch.http");
    EXPECT_EQ(field(doc, "event.category"), Json::array({"network", "web"}));
    EXPECT_EQ(field(doc, "event.outcome"), "success");
    EXPECT_EQ(field(doc, "event.duration"), 12'500'000) << "12.5 ms in nanoseconds";
    EXPECT_EQ(field(doc, "url.scheme"), "https");
    EXPECT_EQ(field(doc, "url.domain"), "grpc.example.com");
    EXPECT_EQ(field(doc, "url.path"), "/helloworld.Greeter/SayHello");
    EXPECT_EQ(field(doc, "url.full"), "https://grpc.example.com/helloworld.Greeter/SayHello");
    EXPECT_EQ(field(doc, "url.original"), "/helloworld.Greeter/SayHello");
    EXPECT_FALSE(field(doc, "url").contains("port")) << "the Host header named none";
    EXPECT_EQ(field(doc, "http.request.method"), "POST");
    EXPECT_EQ(field(doc, "http.version"), "2");
    EXPECT_EQ(field(doc, "http.response.status_code"), 200);
    EXPECT_EQ(field(doc, "http.request.body.bytes"), 12);
    EXPECT_EQ(field(doc, "user_agent.original"), "grpc-go/1.64.0");
    EXPECT_EQ(field(doc, "destination.domain"), "grpc.example.com");
    EXPECT_EQ(field(doc, "destination.ip"), "198.51.100.7");
    EXPECT_EQ(field(doc, "network.protocol"), "http");

    // gRPC answers its errors with HTTP 200: grpc-status 14 (UNAVAILABLE) is a failure.
    Json failed = one_document([](EcsWriter& w) { w.on_http(grpc_call(14)); });
    EXPECT_EQ(field(failed, "event.outcome"), "failure");
    EXPECT_EQ(field(failed, "http.response.status_code"), 200);
}

TEST(Ecs, PlainHttpWithPortQueryAndBadHeader) {
    Json doc = one_document([](EcsWriter& w) { w.on_http(plain_http()); });
    EXPECT_EQ(field(doc, "url.scheme"), "http");
    EXPECT_EQ(field(doc, "url.domain"), "mirror.example");
    EXPECT_EQ(field(doc, "url.port"), 8080);
    EXPECT_EQ(field(doc, "url.path"), "/pool/x_1.0.deb");
    EXPECT_EQ(field(doc, "url.query"), "token=REDACTED");
    EXPECT_EQ(field(doc, "url.full"), "http://mirror.example:8080/pool/x_1.0.deb?token=REDACTED");
    EXPECT_EQ(field(doc, "http.response.status_code"), 404);
    EXPECT_EQ(field(doc, "http.response.body.bytes"), 153);
    EXPECT_EQ(field(doc, "event.outcome"), "failure");
    EXPECT_EQ(field(doc, "event.duration"), 1'443'000);
    EXPECT_EQ(field(doc, "destination.domain"), "mirror.example") << "without the Host header's port";
    EXPECT_EQ(field(doc, "destination.port"), 8080);
    EXPECT_EQ(field(doc, "error.message"), "a control byte in header X-Trace");
}

TEST(Ecs, HttpHostThatIsAnAddress) {
    HttpRecord r = plain_http();
    r.host = "[fd00::2]:8080";
    Json doc = one_document([&](EcsWriter& w) { w.on_http(r); });
    EXPECT_EQ(field(doc, "url.domain"), "[fd00::2]") << "ECS keeps an IPv6 literal's brackets";
    EXPECT_EQ(field(doc, "url.port"), 8080);
    EXPECT_FALSE(field(doc, "destination").contains("domain")) << "an address is no domain name";
}

TEST(Ecs, UndecodedHttp2RequestHasNoUrlPath) {
    Json doc = one_document([](EcsWriter& w) { w.on_http(desynced_h2()); });
    EXPECT_FALSE(doc["url"].contains("path"));
    EXPECT_FALSE(doc["url"].contains("full"));
    EXPECT_FALSE(doc["url"].contains("domain"));
    EXPECT_EQ(field(doc, "url.scheme"), "https");
    EXPECT_EQ(field(doc, "error.message"), "HTTP/2 stream reset: CANCEL");
    EXPECT_TRUE(field(doc, "event.outcome").is_null()) << "no response";
}

TEST(Ecs, ExecAndExit) {
    Json exec = one_document([](EcsWriter& w) { w.on_exec(exec_in_container()); });
    EXPECT_EQ(field(exec, "event.category"), Json::array({"process"}));
    EXPECT_EQ(field(exec, "event.type"), Json::array({"start"}));
    EXPECT_EQ(field(exec, "event.dataset"), "egresswatch.process");
    EXPECT_EQ(field(exec, "process.parent.pid"), 48200);
    EXPECT_EQ(field(exec, "process.executable"), "/usr/bin/curl");

    Json exited = one_document([](EcsWriter& w) { w.on_exit(exit_with(256)); });
    EXPECT_EQ(field(exited, "event.type"), Json::array({"end"}));
    EXPECT_EQ(field(exited, "process.exit_code"), 1) << "exit(1), not wait(2)'s status word 256";
    EXPECT_EQ(field(exited, "process.end"), format_timestamp(kT0 + 8'000'000));
    Json killed = one_document([](EcsWriter& w) { w.on_exit(exit_with(9)); });
    EXPECT_EQ(field(killed, "process.exit_code"), 137) << "SIGKILL, as a shell reports it";
}

TEST(Ecs, RepeatIsOneDocumentPerDestination) {
    std::ostringstream out;
    EcsWriter writer(out, kHost);
    writer.on_repeat(repeats());
    writer.on_batch_end();
    std::vector<Json> docs = documents_of(out.str());
    ASSERT_EQ(docs.size(), 2u);
    EXPECT_EQ(field(docs[0], "destination.ip"), "93.184.216.34");
    EXPECT_EQ(field(docs[0], "destination.port"), 443);
    EXPECT_EQ(field(docs[0], "message"), "3 more connects to 93.184.216.34:443/tcp, counted in the kernel");
    EXPECT_EQ(field(docs[1], "network.transport"), "udp");
    EXPECT_EQ(field(docs[1], "message"), "5 more connects to [fd00::53]:53/udp, counted in the kernel");
    EXPECT_EQ(field(docs[1], "process.executable"), "/usr/bin/curl");
}

TEST(Ecs, AlertIsAnEcsAlert) {
    Json doc = one_document([](EcsWriter& w) { w.on_alert(alert()); });
    EXPECT_EQ(field(doc, "event.kind"), "alert");
    EXPECT_EQ(field(doc, "event.reason"), "not in baseline");
    EXPECT_EQ(field(doc, "rule.ruleset"), "base/allowlist.yaml");
    EXPECT_EQ(field(doc, "destination.domain"), "api.github.com");
    EXPECT_EQ(field(doc, "message"), alert_text(alert()));
}

TEST(Ecs, SessionLinesSayWhatTheyCanInTheirMessage) {
    Json started = one_document([](EcsWriter& w) { w.on_start(start()); });
    EXPECT_EQ(field(started, "event.dataset"), "egresswatch.session");
    EXPECT_EQ(field(started, "message"),
              "egresswatch 0.1.0 run started, observing cgroup /egresswatch-run-1: ./deploy.sh --prod; alerts on "
              "destinations base/allowlist.yaml does not allow");
    Json lost = one_document([](EcsWriter& w) {
        w.on_loss(LossRecord{kT0, {{"ringbuf_full_connect", 2}, {"dedup_full", 1}}});
    });
    EXPECT_EQ(field(lost, "message"), "lost 3 records so far: dedup_full 1, ringbuf_full_connect 2");
    Json stopped = one_document([](EcsWriter& w) { w.on_stop(SessionStop{kT0, 3}); });
    EXPECT_EQ(field(stopped, "process.exit_code"), 3);
    EXPECT_EQ(field(stopped, "event.type"), Json::array({"end"}));
}

// `report` reads the native format only, and says so rather than "missing \"type\"".
TEST(Ecs, ReplayRefusesAnEcsFileInOneClearLine) {
    std::ostringstream out;
    EcsWriter writer(out, kHost);
    test::play_fixture_session(writer);
    std::istringstream in(out.str());
    Aggregator agg;
    ReplayResult result = replay_jsonl(in, agg);
    EXPECT_EQ(result.first_bad_line, 1u);
    EXPECT_NE(result.error.find("ECS format"), std::string::npos) << result.error;
    EXPECT_NE(result.error.find("native"), std::string::npos) << result.error;
    EXPECT_EQ(result.error.find('\n'), std::string::npos);

    // A native line without "type" is still just that.
    std::istringstream native("{\"ts\":\"2026-11-22T00:00:00Z\"}\n");
    ReplayResult plain = replay_jsonl(native, agg);
    EXPECT_EQ(plain.error, "missing \"type\"");
}

TEST(Ecs, ReportCommandRefusesAnEcsFile) {
    std::string dir = test::make_temp_dir("ew-ecs-");
    {
        std::ofstream events(dir + "/events.jsonl");
        EcsWriter writer(events, kHost);
        test::play_fixture_session(writer);
    }
    auto r = test::run_command({EGRESSWATCH_BINARY, "report", dir + "/events.jsonl", "--out", dir + "/again"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.err.rfind("egresswatch: " + dir + "/events.jsonl:1: the file is in ECS format", 0), 0u) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir + "/again/report.json"));
    std::filesystem::remove_all(dir);
}
