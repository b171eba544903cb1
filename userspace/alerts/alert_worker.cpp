#include "alerts/alert_worker.h"

#include <spdlog/spdlog.h>

namespace egresswatch {

AlertWorker::AlertWorker(std::string name, Deliver deliver, std::size_t capacity)
    : name_(std::move(name)), deliver_(std::move(deliver)), capacity_(capacity), thread_([this] { loop(); }) {}

AlertWorker::~AlertWorker() { stop(); }

void AlertWorker::submit(AlertJob job) {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= capacity_) {
        // Logged on the first drop only: a flood of new destinations must not become a flood
        // of warnings; the total is in the final count.
        if (dropped_++ == 0) spdlog::warn("{}: alert queue full ({} waiting); dropping alerts", name_, capacity_);
        return;
    }
    queue_.push_back(std::move(job));
    wake_.notify_one();
}

void AlertWorker::loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, nothing left
        AlertJob job = std::move(queue_.front());
        queue_.pop_front();
        busy_ = true;
        lock.unlock();
        std::optional<std::string> error = deliver_(job);
        if (error)
            spdlog::warn("{}: alert for {} not delivered: {}", name_, alert_destination(job.alert.connection), *error);
        lock.lock();
        busy_ = false;
        ++(error ? failed_ : delivered_);
        idle_.notify_all();
    }
}

void AlertWorker::stop(std::chrono::milliseconds grace) {
    {
        std::unique_lock lock(mutex_);
        if (!thread_.joinable()) return;
        idle_.wait_for(lock, grace, [this] { return queue_.empty() && !busy_; });
        if (!queue_.empty()) {
            spdlog::warn("{}: {} alert(s) still queued at exit were not delivered", name_, queue_.size());
            dropped_ += queue_.size();
            queue_.clear();
        }
        stopping_ = true;
        wake_.notify_all();
    }
    // A delivery in progress has its own timeout, so this join is bounded.
    thread_.join();
}

std::size_t AlertWorker::delivered() const {
    std::lock_guard lock(mutex_);
    return delivered_;
}
std::size_t AlertWorker::failed() const {
    std::lock_guard lock(mutex_);
    return failed_;
}
std::size_t AlertWorker::dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
}

}  // namespace egresswatch
