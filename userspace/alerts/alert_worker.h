#pragma once
// Delivers alerts off the event loop: a slow webhook or a hanging --alert-exec command must
// never hold up the ring buffer. One thread per delivery method, a bounded queue in front of
// it; when the queue is full the alert is dropped and counted, not waited for.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "pipeline/records.h"

namespace egresswatch {

struct AlertJob {
    AlertRecord alert;
    std::string json;  // the alert as one line of JSON, as events.jsonl has it
};

class AlertWorker {
public:
    // Returns why delivery failed, or nullopt when it worked.
    using Deliver = std::function<std::optional<std::string>(const AlertJob&)>;

    AlertWorker(std::string name, Deliver deliver, std::size_t capacity = 256);
    ~AlertWorker();  // stop(), with the default grace
    AlertWorker(const AlertWorker&) = delete;
    AlertWorker& operator=(const AlertWorker&) = delete;

    // Never blocks.
    void submit(AlertJob job);
    // Lets queued alerts go out for up to `grace`, then abandons the rest (counted as dropped).
    void stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

    const std::string& name() const { return name_; }
    std::size_t delivered() const;
    std::size_t failed() const;
    std::size_t dropped() const;

private:
    void loop();

    std::string name_;
    Deliver deliver_;
    std::size_t capacity_;
    mutable std::mutex mutex_;
    std::condition_variable wake_, idle_;
    std::deque<AlertJob> queue_;
    bool busy_ = false;
    bool stopping_ = false;
    std::size_t delivered_ = 0, failed_ = 0, dropped_ = 0;
    std::thread thread_;
};

}  // namespace egresswatch
