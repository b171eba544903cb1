#include "clickhouse/clickhouse_sink.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "report/jsonl.h"

namespace egresswatch {
namespace {

constexpr std::chrono::seconds kMaxBackoff{30};

bool is_auth_failure(long status) { return status == 401 || status == 403; }

}  // namespace

ClickHouseSink::ClickHouseSink(ClickHouseSinkOptions options)
    : options_(std::move(options)), client_(options_.target), spool_(options_.spool_dir, options_.spool_bytes) {
    if (!spool_.empty())
        spdlog::info("{} rows an earlier session left in {} are sent to ClickHouse first", spool_.rows(), spool_.dir());
    // One batch and a row or two: growing by doubling would copy it eight times on the way.
    pending_.reserve(options_.batch_bytes + 64 * 1024);
    shipper_ = std::thread([this] { ship(); });
}

ClickHouseSink::~ClickHouseSink() { stop_shipper(std::chrono::milliseconds(0)); }

void ClickHouseSink::stop_shipper(std::chrono::milliseconds budget) {
    {
        std::lock_guard lock(mutex_);
        if (!stopping_) {
            stopping_ = true;
            give_up_at_ = std::chrono::steady_clock::now() + budget;
        }
    }
    wake_.notify_all();
    if (shipper_.joinable()) shipper_.join();
}

void ClickHouseSink::add(const Json& record) {
    std::string line = json_line(record);  // the line events.jsonl has for it
    if (pending_.empty()) pending_since_ = std::chrono::steady_clock::now();
    pending_ += event_row(record, line, options_.tag, ++seq_);
    ++pending_rows_;
    // Full: out at once. Waiting for the end of the ring's batch (4096 records) let a storm's rows
    // reach 6 MB, 8 MB of string, before they went to the spool (bench/soak.sh, VmHWM).
    if (pending_.size() >= options_.batch_bytes) hand_off();
}

void ClickHouseSink::on_start(const SessionStart& r) { add(to_json(r)); }
void ClickHouseSink::on_connection(const ConnectionRecord& r) { add(to_json(r)); }
void ClickHouseSink::on_exec(const ExecRecord& r) { add(to_json(r)); }
void ClickHouseSink::on_exit(const ExitRecord& r) { add(to_json(r)); }
void ClickHouseSink::on_repeat(const RepeatRecord& r) { add(to_json(r)); }
void ClickHouseSink::on_dns(const DnsLookupRecord& r) { add(to_json(r)); }
void ClickHouseSink::on_tls(const TlsRecord& r) { add(to_json(r)); }
void ClickHouseSink::on_http(const HttpRecord& r) { add(to_json(r)); }
void ClickHouseSink::on_tls_end(const TlsEndRecord& r) { add(to_json(r)); }
void ClickHouseSink::on_loss(const LossRecord& r) { add(to_json(r)); }
void ClickHouseSink::on_alert(const AlertRecord& r) { add(to_json(r)); }

void ClickHouseSink::on_stop(const SessionStop& r) {
    add(to_json(r));
    hand_off();
}

void ClickHouseSink::on_batch_end() {
    if (pending_rows_ && std::chrono::steady_clock::now() - pending_since_ >= options_.batch_age) hand_off();
}

// A write to the page cache, about a millisecond for a full batch: the event loop pays it once a
// second, or once per MiB of rows in a storm.
void ClickHouseSink::hand_off() {
    if (!pending_rows_) return;
    switch (spool_.push(pending_, pending_rows_)) {
    case Spool::Push::kept: warned_full_ = false; break;
    case Spool::Push::full:
        if (!warned_full_)
            spdlog::warn("the ClickHouse spool {} is full ({} bytes, --sink-spool-size): rows are counted as lost "
                         "(clickhouse_spool_full) until {} takes them",
                         spool_.dir(), spool_.bytes(), client_.target().shown());
        warned_full_ = true;
        count_lost("clickhouse_spool_full", pending_rows_);
        break;
    case Spool::Push::failed:
        spdlog::warn("{}; those rows are counted as lost (clickhouse_spool_failed). Free space on the --out "
                     "filesystem",
                     spool_.push_error());
        count_lost("clickhouse_spool_failed", pending_rows_);
        break;
    }
    pending_.clear();
    pending_rows_ = 0;
    // Through the lock, so that the shipper is either before its check or already waiting.
    { std::lock_guard lock(mutex_); }
    wake_.notify_one();
}

void ClickHouseSink::finish(std::chrono::milliseconds budget) {
    hand_off();
    stop_shipper(budget);
}

ClickHouseSink::Status ClickHouseSink::status() const {
    Status status;
    status.rows_waiting = spool_.rows();
    status.spool_bytes = spool_.bytes();
    std::lock_guard lock(mutex_);
    status.rows_sent = rows_sent_;
    return status;
}

std::map<std::string, std::uint64_t> ClickHouseSink::lost() const {
    std::lock_guard lock(mutex_);
    return lost_;
}

void ClickHouseSink::count_lost(const char* reason, std::uint64_t rows) {
    std::lock_guard lock(mutex_);
    lost_[reason] += rows;
}

void ClickHouseSink::note_failure(const HttpOutcome& outcome) {
    bool was_up;
    {
        std::lock_guard lock(mutex_);
        was_up = !server_down_;
        server_down_ = true;
    }
    if (was_up)
        spdlog::warn("ClickHouse {}: {}; rows wait in {} (up to --sink-spool-size) and are sent when it takes them",
                     client_.target().shown(), outcome.error, spool_.dir());
    // Answered: the table may have gone (dropped, or a new server), so it is made again first;
    // and a server that answers is up, so it is asked again in a second rather than ever later.
    if (outcome.answered()) {
        schema_ready_ = false;
        retry_at_ = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    } else {
        retry_at_ = std::chrono::steady_clock::now() + backoff_;
        backoff_ = std::min(backoff_ * 2, kMaxBackoff);
    }
}

bool ClickHouseSink::send_spool() {
    if (!schema_ready_) {
        HttpOutcome made = client_.ensure_schema();
        if (!made.ok()) {
            note_failure(made);
            return false;
        }
        schema_ready_ = true;
    }
    while (!spool_.empty()) {
        std::string error;
        Spool::Batch batch = spool_.front(error);
        if (!batch.text) {
            spdlog::warn("{}; its {} rows are counted as lost (clickhouse_spool_failed)", error, batch.rows);
            spool_.pop();
            count_lost("clickhouse_spool_failed", batch.rows);
            continue;
        }
        HttpOutcome outcome = client_.insert(*batch.text);
        if (outcome.ok()) {
            spool_.pop();
            head_rejections_ = 0;
            backoff_ = std::chrono::seconds(1);
            std::lock_guard lock(mutex_);
            rows_sent_ += batch.rows;
            if (server_down_) spdlog::info("ClickHouse {} takes rows again", client_.target().shown());
            server_down_ = false;
            continue;
        }
        // The table was there a moment ago, and the server refuses these rows: after a few
        // tries they are dropped, so one bad batch does not hold up every later one.
        if (outcome.answered() && !is_auth_failure(outcome.status) && ++head_rejections_ >= kRejectionsToDrop) {
            spdlog::warn("ClickHouse {} refused a batch of {} rows {} times ({}); they are counted as lost "
                         "(clickhouse_rejected)",
                         client_.target().shown(), batch.rows, head_rejections_, outcome.error);
            spool_.pop();
            head_rejections_ = 0;
            count_lost("clickhouse_rejected", batch.rows);
            continue;
        }
        note_failure(outcome);
        return false;
    }
    return true;
}

void ClickHouseSink::ship() {
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            // Waits for a batch, the retry time after a failure, or the end; each wakeup looks
            // again, as finish() may have set the end meanwhile.
            for (;;) {
                auto t = std::chrono::steady_clock::now();
                if ((stopping_ && t >= give_up_at_) || (t >= retry_at_ && (!spool_.empty() || stopping_))) break;
                if (t < retry_at_)
                    wake_.wait_until(lock, stopping_ ? std::min(retry_at_, give_up_at_) : retry_at_);
                else if (stopping_)
                    wake_.wait_until(lock, give_up_at_);
                else
                    wake_.wait(lock);
            }
            auto now = std::chrono::steady_clock::now();
            // At the end: done once all is sent, or the budget is spent (what is left waits on disk).
            if (stopping_ && (spool_.empty() || now >= give_up_at_ || retry_at_ >= give_up_at_)) return;
            if (now < retry_at_) continue;
        }
        send_spool();
    }
}

}  // namespace egresswatch
