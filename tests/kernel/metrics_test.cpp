// Prometheus metrics of a running watch (--metrics-listen), scraped by the real Prometheus
// (Debian's prometheus) every second: its query API must show the counters of the requests a
// client makes meanwhile, by allowlist destination, and see them move.
#include <unistd.h>

#include <httplib.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "named_hosts_run.h"

using namespace egresswatch::test;
using namespace std::chrono_literals;

namespace {

constexpr int kMetricsPort = 19464;
constexpr int kPrometheusPort = 19090;

class Metrics : public NamedHostsRun {
protected:
    void TearDown() override {
        stop_server(prometheus_);
        NamedHostsRun::TearDown();
    }

    void start_prometheus() {
        ASSERT_EQ(access("/usr/bin/prometheus", X_OK), 0) << "run scripts/install-deps.sh (prometheus)";
        std::string config = file("prometheus.yml", "global:\n  scrape_interval: 1s\nscrape_configs:\n"
                                                    "  - job_name: egresswatch\n    static_configs:\n"
                                                    "      - targets: ['127.0.0.1:" +
                                                        std::to_string(kMetricsPort) + "']\n");
        prometheus_ =
            spawn_server({"/usr/bin/prometheus", "--config.file=" + config, "--storage.tsdb.path=" + dir_ + "/tsdb",
                          "--web.listen-address=127.0.0.1:" + std::to_string(kPrometheusPort)},
                         dir_ + "/prometheus.log");
        ASSERT_GT(prometheus_, 0);
    }

    // The value of the single series `query` selects, as Prometheus has it now; -1 if none.
    double query(const std::string& query) {
        httplib::Client client("127.0.0.1", kPrometheusPort);
        auto res = client.Get("/api/v1/query", httplib::Params{{"query", query}}, httplib::Headers{});
        if (!res || res->status != 200) return -1;
        json body = json::parse(res->body, nullptr, false);
        if (body.is_discarded() || body["data"]["result"].size() != 1) return -1;
        return std::stod(body["data"]["result"][0]["value"][1].get<std::string>());
    }

    // Polls `query` until it reaches at least `want` (the scrape is once a second).
    double wait_for(const std::string& q, double want) {
        double v = -1;
        for (int i = 0; i < 100 && (v = query(q)) < want; ++i) std::this_thread::sleep_for(200ms);
        return v;
    }

    pid_t prometheus_ = -1;
};

}  // namespace

TEST_F(Metrics, PrometheusScrapesAWatchAndSeesTheCountersMove) {
    start_prometheus();
    if (HasFatalFailure()) return;
    std::string watch_out = dir_ + "/watch";
    CommandResult watch_result;
    std::thread watcher([&] {
        watch_result = run_egresswatch({"watch", "--quiet", "--out", watch_out, "--duration", "40s", "--metrics-listen",
                                        "127.0.0.1:" + std::to_string(kMetricsPort)},
                                       90s);
    });
    const std::string curl = hosts_->with_resolver("curl -sS -o /dev/null http://mirror.test/");
    const std::string series = "egresswatch_http_requests_total{destination=\"mirror.test:80/tcp\"}";
    // Prometheus up and scraping the agent: the agent's own start time is there.
    double started = wait_for("egresswatch_start_time_seconds", 1);
    EXPECT_GT(started, 1e9) << read_text(dir_ + "/prometheus.log");

    auto first = run_command({"/bin/sh", "-c", curl}, 30s);
    EXPECT_EQ(first.exit_code, 0) << first.err;
    double one = wait_for(series, 1);
    EXPECT_EQ(one, 1) << "after one request";
    for (int i = 0; i < 3; ++i) EXPECT_EQ(run_command({"/bin/sh", "-c", curl}, 30s).exit_code, 0);
    EXPECT_EQ(wait_for(series, 4), 4) << "the counter moved with three more requests";
    EXPECT_GE(wait_for("egresswatch_connections_total{destination=\"mirror.test:80/tcp\"}", 4), 4);
    EXPECT_GE(wait_for("sum(egresswatch_datagrams_total)", 1), 1) << "the DNS queries";
    EXPECT_GT(query("egresswatch_process_resident_memory_bytes"), 1 << 20);
    EXPECT_GE(query("egresswatch_ringbuf_size_bytes"), 1 << 20);
    EXPECT_EQ(query("up{job=\"egresswatch\"}"), 1);

    // Stopping the watch stops the endpoint with it.
    run_command({"/usr/bin/pkill", "-INT", "-f", "metrics-listen 127.0.0.1:" + std::to_string(kMetricsPort)}, 10s);
    watcher.join();
    EXPECT_EQ(watch_result.exit_code, 0) << watch_result.err;
    httplib::Client agent("127.0.0.1", kMetricsPort);
    EXPECT_FALSE(agent.Get("/metrics")) << "nothing listens once the watch ended";
}
