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
    status_.rows_waiting = spool_.rows();
    status_.spool_bytes = spool_.bytes();
    shipper_ = std::thread([this] { ship(); });
}

ClickHouseSink::~ClickHouseSink() {
    {
        std::lock_guard lock(mutex_);
        if (!stopping_) {
            stopping_ = true;
            give_up_at_ = std::chrono::steady_clock::now();
        }
    }
    wake_.notify_all();
    if (shipper_.joinable()) shipper_.join();
}

void ClickHouseSink::add(const Json& record) {
    std::string line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (pending_.rows.empty()) pending_since_ = std::chrono::steady_clock::now();
    pending_.rows += event_row(record, line, options_.tag, ++seq_);
    ++pending_.count;
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
    if (pending_.rows.size() >= options_.batch_bytes ||
        (pending_.count && std::chrono::steady_clock::now() - pending_since_ >= options_.batch_age))
        hand_off();
}

void ClickHouseSink::hand_off() {
    if (!pending_.count) return;
    {
        std::lock_guard lock(mutex_);
        if (queue_bytes_ + pending_.rows.size() > options_.queue_bytes) {
            lost_["clickhouse_queue_full"] += pending_.count;
        } else {
            queue_bytes_ += pending_.rows.size();
            status_.rows_waiting += pending_.count;
            queue_.push_back(std::move(pending_));
        }
    }
    pending_ = {};
    wake_.notify_one();
}

void ClickHouseSink::finish(std::chrono::milliseconds budget) {
    hand_off();
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        give_up_at_ = std::chrono::steady_clock::now() + budget;
    }
    wake_.notify_all();
    if (shipper_.joinable()) shipper_.join();
}

ClickHouseSink::Status ClickHouseSink::status() const {
    std::lock_guard lock(mutex_);
    return status_;
}

std::map<std::string, std::uint64_t> ClickHouseSink::lost() const {
    std::lock_guard lock(mutex_);
    return lost_;
}

void ClickHouseSink::count_lost(const char* reason, std::uint64_t rows) {
    std::lock_guard lock(mutex_);
    lost_[reason] += rows;
    status_.rows_waiting -= std::min(status_.rows_waiting, rows);
}

void ClickHouseSink::keep(const Batch& batch) {
    switch (spool_.push(batch.rows, batch.count)) {
    case Spool::Push::kept: warned_full_ = false; break;
    case Spool::Push::full:
        if (!warned_full_)
            spdlog::warn("the ClickHouse spool {} is full ({} bytes, --sink-spool-size): rows are counted as lost "
                         "(clickhouse_spool_full) until {} takes them again",
                         spool_.dir(), spool_.bytes(), client_.target().shown());
        warned_full_ = true;
        count_lost("clickhouse_spool_full", batch.count);
        break;
    case Spool::Push::failed:
        spdlog::warn("{}; those rows are counted as lost (clickhouse_spool_failed). Free space on the --out "
                     "filesystem",
                     spool_.error());
        count_lost("clickhouse_spool_failed", batch.count);
        break;
    }
    std::lock_guard lock(mutex_);
    status_.spool_bytes = spool_.bytes();
}

void ClickHouseSink::keep_all(std::deque<Batch>& batches) {
    for (; !batches.empty(); batches.pop_front()) keep(batches.front());
}

void ClickHouseSink::note_failure(const HttpOutcome& outcome) {
    bool was_up;
    {
        std::lock_guard lock(mutex_);
        was_up = !status_.server_down;
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
    std::lock_guard lock(mutex_);
    status_.server_down = true;
}

bool ClickHouseSink::send_all(std::deque<Batch>& fresh) {
    if (!schema_ready_) {
        HttpOutcome made = client_.ensure_schema();
        if (!made.ok()) {
            note_failure(made);
            keep_all(fresh);
            return false;
        }
        schema_ready_ = true;
    }
    auto sent = [this](std::uint64_t rows) {
        std::lock_guard lock(mutex_);
        status_.rows_sent += rows;
        status_.rows_waiting -= std::min(status_.rows_waiting, rows);
        status_.spool_bytes = spool_.bytes();
        if (status_.server_down) spdlog::info("ClickHouse {} takes rows again", client_.target().shown());
        status_.server_down = false;
    };
    while (!spool_.empty()) {
        std::uint64_t rows = spool_.front_rows();
        std::optional<std::string> batch = spool_.front();
        if (!batch) {
            spdlog::warn("{}; its {} rows are counted as lost (clickhouse_spool_failed)", spool_.error(), rows);
            spool_.pop();
            count_lost("clickhouse_spool_failed", rows);
            continue;
        }
        HttpOutcome outcome = client_.insert(*batch);
        if (outcome.ok()) {
            spool_.pop();
            head_rejections_ = 0;
            sent(rows);
            continue;
        }
        // The table was there a moment ago, and the server refuses these rows: after a few
        // tries they are dropped, so one bad batch does not hold up every later one.
        if (outcome.answered() && !is_auth_failure(outcome.status) && ++head_rejections_ >= kRejectionsToDrop) {
            spdlog::warn("ClickHouse {} refused a batch of {} rows {} times ({}); they are counted as lost "
                         "(clickhouse_rejected)",
                         client_.target().shown(), rows, head_rejections_, outcome.error);
            spool_.pop();
            head_rejections_ = 0;
            count_lost("clickhouse_rejected", rows);
            continue;
        }
        note_failure(outcome);
        keep_all(fresh);
        return false;
    }
    while (!fresh.empty()) {
        HttpOutcome outcome = client_.insert(fresh.front().rows);
        if (!outcome.ok()) {
            note_failure(outcome);
            keep_all(fresh);
            return false;
        }
        sent(fresh.front().count);
        fresh.pop_front();
    }
    backoff_ = std::chrono::seconds(1);
    return true;
}

void ClickHouseSink::ship() {
    for (;;) {
        std::deque<Batch> fresh;
        bool give_up = false;
        {
            std::unique_lock lock(mutex_);
            auto has_work = [&] { return stopping_ || !queue_.empty(); };
            if (spool_.empty()) {
                wake_.wait(lock, has_work);
            } else {
                auto until = retry_at_;
                if (stopping_) until = std::min(until, give_up_at_);
                wake_.wait_until(lock, until, has_work);
            }
            fresh.swap(queue_);
            queue_bytes_ = 0;
            auto now = std::chrono::steady_clock::now();
            give_up = stopping_ && (now >= give_up_at_ || (fresh.empty() && spool_.empty()));
            if (stopping_ && !give_up && now < retry_at_) {
                // Waiting out a retry at the end: no sooner than the budget allows.
                give_up = retry_at_ >= give_up_at_;
            }
        }
        auto now = std::chrono::steady_clock::now();
        // While the server is away, batches go to disk as they come: memory stays bounded.
        if (give_up || now < retry_at_) {
            keep_all(fresh);
            if (give_up) return;
            continue;
        }
        send_all(fresh);
    }
}

}  // namespace egresswatch
