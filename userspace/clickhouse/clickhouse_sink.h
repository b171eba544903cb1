#pragma once
// --sink clickhouse=URL: every record, as events.jsonl has it, becomes a row of ClickHouse's
// egresswatch_events table (event_rows.h). The pipeline's thread only builds rows into a batch;
// a batch goes when it holds batch_bytes or is batch_age old, to a shipper thread that inserts
// it. While the server does not take batches, they wait on disk in a bounded spool (spool.h)
// and go in order, oldest first, when it does again; anything neither the server, the memory
// queue nor the spool can hold is counted as lost, by reason, in the session's loss records.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "clickhouse/clickhouse_client.h"
#include "clickhouse/event_rows.h"
#include "clickhouse/spool.h"
#include "pipeline/record_sink.h"

namespace egresswatch {

struct ClickHouseSinkOptions {
    ClickHouseTarget target;
    RowTag tag;
    std::string spool_dir;
    std::uint64_t spool_bytes = std::uint64_t{256} << 20;
    std::size_t batch_bytes = std::size_t{1} << 20;
    std::chrono::milliseconds batch_age{1000};
    // Batches between the pipeline and the shipper. Bounded, so that a server that hangs (its
    // inserts time out after 30 s) costs at most this much memory.
    std::size_t queue_bytes = std::size_t{8} << 20;
};

class ClickHouseSink final : public RecordSink {
public:
    // Takes up what an earlier session left in the spool, and starts the shipper. Throws
    // SetupError when the spool directory cannot be made.
    explicit ClickHouseSink(ClickHouseSinkOptions options);
    // Stops the shipper at once; what it did not send stays in the spool.
    ~ClickHouseSink() override;
    ClickHouseSink(const ClickHouseSink&) = delete;
    ClickHouseSink& operator=(const ClickHouseSink&) = delete;

    void on_start(const SessionStart& r) override;
    void on_connection(const ConnectionRecord& r) override;
    void on_exec(const ExecRecord& r) override;
    void on_exit(const ExitRecord& r) override;
    void on_repeat(const RepeatRecord& r) override;
    void on_dns(const DnsLookupRecord& r) override;
    void on_tls(const TlsRecord& r) override;
    void on_http(const HttpRecord& r) override;
    void on_tls_end(const TlsEndRecord& r) override;
    void on_loss(const LossRecord& r) override;
    void on_alert(const AlertRecord& r) override;
    void on_stop(const SessionStop& r) override;
    void on_batch_end() override;

    // The session's end: hands over the last batch, and gives the shipper up to `budget` to send
    // everything; then stops it. What is left waits in the spool for the next start.
    void finish(std::chrono::milliseconds budget);

    struct Status {
        std::uint64_t rows_sent = 0;
        std::uint64_t rows_waiting = 0;  // in memory and in the spool
        std::uint64_t spool_bytes = 0;
        bool server_down = false;
    };
    Status status() const;
    // Rows this sink did not keep, by reason: clickhouse_queue_full, clickhouse_spool_full,
    // clickhouse_spool_failed (written or read back wrong), clickhouse_rejected (refused by the
    // server kRejectionsToDrop times although its table was there).
    std::map<std::string, std::uint64_t> lost() const;
    const ClickHouseTarget& target() const { return client_.target(); }

    static constexpr int kRejectionsToDrop = 5;

private:
    struct Batch {
        std::string rows;
        std::uint64_t count = 0;
    };
    void add(const Json& record);
    void hand_off();
    void ship();
    // Into the spool, or counted as lost. Shipper thread only.
    void keep(const Batch& batch);
    void keep_all(std::deque<Batch>& batches);
    // Sends the spool, oldest first, then `fresh`; false at the first failure (what is left is
    // in the spool).
    bool send_all(std::deque<Batch>& fresh);
    void note_failure(const HttpOutcome& outcome);
    void count_lost(const char* reason, std::uint64_t rows);

    ClickHouseSinkOptions options_;
    ClickHouseClient client_;
    // Pipeline thread only.
    Batch pending_;
    std::chrono::steady_clock::time_point pending_since_;
    std::uint64_t seq_ = 0;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Batch> queue_;
    std::size_t queue_bytes_ = 0;
    bool stopping_ = false;
    std::chrono::steady_clock::time_point give_up_at_;
    std::map<std::string, std::uint64_t> lost_;
    Status status_;

    // Shipper thread only (status_ mirrors what others may read).
    Spool spool_;
    bool schema_ready_ = false;
    int head_rejections_ = 0;
    std::chrono::seconds backoff_{1};
    std::chrono::steady_clock::time_point retry_at_;
    bool warned_full_ = false;
    std::thread shipper_;
};

}  // namespace egresswatch
