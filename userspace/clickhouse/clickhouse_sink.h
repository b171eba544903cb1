#pragma once
// --sink clickhouse=URL: every record, as events.jsonl has it, becomes a row of ClickHouse's
// egresswatch_events table (event_rows.h). The pipeline's thread builds rows into a batch, and a
// batch that holds batch_bytes or is batch_age old goes into the spool on disk (spool.h); a
// shipper thread inserts the spool's batches, oldest first, and removes each once the server has
// it. So a burst, a slow server and a server that is away are one case: batches wait on disk,
// in order, within the spool's bound, and memory holds at most the batch being built and the one
// being sent. What the spool cannot hold, or the server keeps refusing, is counted as lost, by
// reason, in the session's loss records.
#include <chrono>
#include <condition_variable>
#include <cstdint>
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
};

class ClickHouseSink final : public RecordSink {
public:
    // Takes up what an earlier session left in the spool (sent first), and starts the shipper.
    // Throws SetupError when the spool directory cannot be made.
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
        std::uint64_t rows_waiting = 0;  // in the spool
        std::uint64_t spool_bytes = 0;
    };
    Status status() const;
    // Rows this sink did not keep, by reason: clickhouse_spool_full, clickhouse_spool_failed
    // (written or read back wrong), clickhouse_rejected (refused by the server kRejectionsToDrop
    // times although its table was there).
    std::map<std::string, std::uint64_t> lost() const;
    const ClickHouseTarget& target() const { return client_.target(); }

    static constexpr int kRejectionsToDrop = 5;

private:
    void add(const Json& record);
    // The batch being built, into the spool (or counted as lost). Pipeline thread.
    void hand_off();
    void ship();
    // Ends the shipper once the spool is sent or `budget` is spent, and waits for it.
    void stop_shipper(std::chrono::milliseconds budget);
    // Sends the spool's batches, oldest first, until it is empty (true) or one fails (false).
    bool send_spool();
    void note_failure(const HttpOutcome& outcome);
    void count_lost(const char* reason, std::uint64_t rows);

    ClickHouseSinkOptions options_;
    ClickHouseClient client_;
    Spool spool_;
    // Pipeline thread only.
    std::string pending_;
    std::uint64_t pending_rows_ = 0;
    std::chrono::steady_clock::time_point pending_since_;
    std::uint64_t seq_ = 0;
    bool warned_full_ = false;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::chrono::steady_clock::time_point give_up_at_;
    std::map<std::string, std::uint64_t> lost_;
    std::uint64_t rows_sent_ = 0;
    bool server_down_ = false;

    // Shipper thread only.
    bool schema_ready_ = false;
    int head_rejections_ = 0;
    std::chrono::seconds backoff_{1};
    std::chrono::steady_clock::time_point retry_at_;
    std::thread shipper_;
};

}  // namespace egresswatch
