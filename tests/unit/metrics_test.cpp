// Prometheus metrics (userspace/metrics): what the book counts from records, the bound on
// destination labels, the text exposition format (checked by Debian's promtool, the format's
// own checker), --metrics-listen's parsing, and a scrape over HTTP of the real server.
#include <gtest/gtest.h>
#include <unistd.h>

#include <httplib.h>

#include <fstream>
#include <regex>

#include "base/errors.h"
#include "cli/options.h"
#include "common/subprocess.h"
#include "metrics/agent_usage.h"
#include "metrics/exposition.h"
#include "metrics/metrics_book.h"
#include "metrics/metrics_server.h"
#include "pipeline/records.h"

using namespace egresswatch;
using namespace egresswatch::test;

namespace {

ConnectionRecord connect_to(const std::string& address, std::uint16_t port, std::optional<std::string> host,
                            SockEventKind kind = SockEventKind::connect) {
    ConnectionRecord r;
    r.kind = kind;
    r.address = *IpAddress::parse(address);
    r.port = port;
    r.protocol = kind == SockEventKind::connect ? 6 : 17;
    r.host = std::move(host);
    r.process.pid = 42;
    r.process.exe = "/usr/bin/curl";
    return r;
}

// The value of the sample written exactly as `series` (name and labels), or -1.
double sample(const std::string& text, const std::string& series) {
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line))
        if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
    return -1;
}

CliRequest parse(std::vector<const char*> args) {
    args.insert(args.begin(), "egresswatch");
    return parse_cli(static_cast<int>(args.size()), args.data());
}

}  // namespace

TEST(Metrics, CountsByAllowlistDestination) {
    MetricsBook book;
    book.on_connection(connect_to("198.18.0.2", 443, "api.test"));
    book.on_connection(connect_to("198.18.0.2", 443, "api.test"));
    book.on_connection(connect_to("198.18.0.3", 80, std::nullopt));
    book.on_connection(connect_to("fd00::53", 53, std::nullopt, SockEventKind::send));
    // Repeats carry no name: they count under the key their destination's event had.
    RepeatRecord repeats;
    repeats.kind = SockEventKind::connect;
    repeats.destinations.push_back({*IpAddress::parse("198.18.0.2"), 443, 6, 5});
    book.on_repeat(repeats);
    HttpRecord http;
    http.address = *IpAddress::parse("198.18.0.2");
    http.port = 443;
    http.host = "api.test";
    book.on_http(http);
    ConnectionRecord refused = connect_to("198.18.0.9", 22, std::nullopt);
    refused.verdict = Verdict::blocked;
    book.on_connection(refused);
    book.on_alert(AlertRecord{});
    LossRecord loss;
    loss.reasons["ringbuf_full_connect"] = 3;
    book.on_loss(loss);
    loss.reasons["ringbuf_full_connect"] = 7;  // cumulative: replaces
    book.on_loss(loss);

    std::string text = book.render(RuntimeSample{});
    EXPECT_EQ(sample(text, R"(egresswatch_connections_total{destination="api.test:443/tcp"})"), 7) << text;
    EXPECT_EQ(sample(text, R"(egresswatch_connections_total{destination="198.18.0.3:80/tcp"})"), 1) << text;
    EXPECT_EQ(sample(text, R"(egresswatch_datagrams_total{destination="[fd00::53]:53/udp"})"), 1) << text;
    EXPECT_EQ(sample(text, R"(egresswatch_http_requests_total{destination="api.test:443/tcp"})"), 1) << text;
    EXPECT_EQ(sample(text, "egresswatch_blocked_attempts_total"), 1) << text;
    EXPECT_EQ(sample(text, "egresswatch_new_destination_alerts_total"), 1) << text;
    EXPECT_EQ(sample(text, R"(egresswatch_lost_events_total{reason="ringbuf_full_connect"})"), 7) << text;
    EXPECT_EQ(sample(text, R"(egresswatch_events_total{type="connect"})"), 4) << text;
    EXPECT_EQ(sample(text, R"(egresswatch_connections_total{destination="198.18.0.9:22/tcp"})"), -1)
        << "a refused attempt reached nothing: " << text;
}

// A host that reaches ever new destinations makes a bounded number of series; counts beyond
// the bound go to "other", so every series only grows.
TEST(Metrics, DestinationLabelsAreBounded) {
    MetricsBook book(10);
    for (int i = 0; i < 100; ++i) book.on_connection(connect_to("198.18.1." + std::to_string(i), 443, std::nullopt));
    book.on_connection(connect_to("198.18.1.0", 443, std::nullopt));  // labelled before the bound
    std::string text = book.render(RuntimeSample{});
    int series = 0;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) series += line.rfind("egresswatch_connections_total{", 0) == 0;
    EXPECT_EQ(series, 10) << text;
    EXPECT_EQ(sample(text, R"(egresswatch_connections_total{destination="198.18.1.0:443/tcp"})"), 2) << text;
    EXPECT_EQ(sample(text, R"(egresswatch_connections_total{destination="other"})"), 91) << text;
    EXPECT_EQ(sample(text, "egresswatch_destination_labels"), 10) << text;
}

TEST(Metrics, LabelValuesAreEscaped) {
    EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    std::string text = render_exposition({{"egresswatch_x_total", "X.", MetricType::counter, {{{{"k", "q\""}}, 1.5}}}});
    EXPECT_EQ(
        text,
        "# HELP egresswatch_x_total X.\n# TYPE egresswatch_x_total counter\negresswatch_x_total{k=\"q\\\"\"} 1.5\n");
}

// The format's own checker (Debian's prometheus package) finds nothing wrong, with every
// family present: kernel-side and agent samples included.
TEST(Metrics, PromtoolAcceptsTheExposition) {
    ASSERT_EQ(access("/usr/bin/promtool", X_OK), 0) << "run scripts/install-deps.sh (prometheus)";
    MetricsBook book(500, 1'700'000'000'000'000'000);
    book.on_connection(connect_to("198.18.0.2", 443, "api.test"));
    book.on_connection(connect_to("198.18.0.5", 53, std::nullopt, SockEventKind::send));
    HttpRecord http;
    http.address = *IpAddress::parse("198.18.0.2");
    http.port = 443;
    http.host = "api.test";
    book.on_http(http);
    LossRecord loss;
    loss.reasons["http_heads_over_budget"] = 2;
    book.on_loss(loss);
    RuntimeSample runtime;
    runtime.ringbuf_used_bytes = 100;
    runtime.ringbuf_size_bytes = 1 << 23;
    runtime.bpf_stats_enabled = true;
    runtime.programs = {{"egress_capture", 10, 12345}, {"connect4", 3, 999}};
    runtime.cpu_seconds = 1.25;
    runtime.resident_bytes = 30 << 20;
    runtime.clickhouse = RuntimeSample::Sink{500, 20, 4096};
    std::string text = book.render(runtime);
    std::string path = make_temp_dir("ew-metrics-") + "/metrics.txt";
    std::ofstream(path) << text;
    auto r = run_command({"/bin/sh", "-c", "promtool check metrics < " + path}, std::chrono::seconds(30));
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err << text;
    EXPECT_EQ(r.out + r.err, "") << "promtool's lint found something: " << text;
    EXPECT_EQ(sample(text, R"(egresswatch_bpf_program_run_seconds_total{program="egress_capture"})"), 12345e-9);
    EXPECT_EQ(sample(text, "egresswatch_process_cpu_seconds_total"), 1.25);
    EXPECT_EQ(sample(text, "egresswatch_clickhouse_rows_sent_total"), 500);
    EXPECT_EQ(sample(text, "egresswatch_clickhouse_rows_waiting"), 20);
    EXPECT_EQ(sample(text, "egresswatch_clickhouse_spool_bytes"), 4096);
}

TEST(Metrics, TheAgentsOwnUsageIsRead) {
    auto usage = read_agent_usage();
    ASSERT_TRUE(usage);
    EXPECT_GT(usage->resident_bytes, 1u << 20);
    EXPECT_GE(usage->cpu_seconds, 0.0);
    EXPECT_FALSE(read_agent_usage("/nonexistent"));
}

TEST(Metrics, ListenAddressesAreCheckedOnce) {
    std::string error;
    auto v4 = parse_metrics_listen("127.0.0.1:9464", error);
    ASSERT_TRUE(v4);
    EXPECT_EQ(v4->address, "127.0.0.1");
    EXPECT_EQ(v4->port, 9464);
    auto v6 = parse_metrics_listen("[::1]:9464", error);
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->text(), "[::1]:9464");
    EXPECT_FALSE(parse_metrics_listen("localhost:9464", error));
    EXPECT_NE(error.find("IP address"), std::string::npos);
    EXPECT_FALSE(parse_metrics_listen("127.0.0.1:0", error));
    EXPECT_FALSE(parse_metrics_listen("127.0.0.1", error));
    CliRequest r = parse({"watch", "--metrics-listen", "0.0.0.0:9464"});
    ASSERT_TRUE(r.watch.capture.metrics_listen);
    EXPECT_EQ(r.watch.capture.metrics_listen->port, 9464);
    EXPECT_FALSE(parse({"watch"}).watch.capture.metrics_listen);
    EXPECT_TRUE(parse({"run", "--metrics-listen", "[::1]:1234", "--", "true"}).run.capture.metrics_listen);
    try {
        parse({"watch", "--metrics-listen", "nowhere:99999"});
        ADD_FAILURE() << "a bad address is refused";
    } catch (const CliExit& e) {
        EXPECT_NE(e.code, 0);
    }
}

// The real server, on loopback: /metrics renders at each scrape; a port in use is refused in
// one line that says what to do.
TEST(Metrics, TheServerServesEachScrapeFresh) {
    int scrapes = 0;
    MetricsServer server(MetricsListen{"127.0.0.1", 0},
                         [&] { return "egresswatch_scrapes " + std::to_string(++scrapes) + "\n"; });
    ASSERT_GT(server.port(), 0);
    httplib::Client client("127.0.0.1", server.port());
    for (int expected : {1, 2}) {
        auto res = client.Get("/metrics");
        ASSERT_TRUE(res) << httplib::to_string(res.error());
        EXPECT_EQ(res->status, 200);
        EXPECT_EQ(res->body, "egresswatch_scrapes " + std::to_string(expected) + "\n");
        EXPECT_EQ(res->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    }
    EXPECT_EQ(client.Get("/nothing")->status, 404);
    try {
        MetricsServer taken(MetricsListen{"127.0.0.1", static_cast<std::uint16_t>(server.port())}, [] { return ""; });
        ADD_FAILURE() << "a port in use is refused";
    } catch (const SetupError& e) {
        std::string what = e.what();
        EXPECT_NE(what.find("--metrics-listen 127.0.0.1:" + std::to_string(server.port())), std::string::npos) << what;
        EXPECT_NE(what.find("choose a free port"), std::string::npos) << what;
    }
}
