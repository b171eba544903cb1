#pragma once
// A line file of the --out directory that a long watch rotates: once the file would pass
// max_bytes, or is older than max_age, it is renamed to a segment named by the time it was
// rotated (events-20261130T072600Z.jsonl), and a fresh file takes its name. A worker thread
// compresses each segment with gzip (events-...jsonl.gz) and then removes the oldest
// compressed segments beyond `keep`, so the directory holds at most the live file and `keep`
// segments. Rotation happens between batches, so a segment holds whole lines.
//
// reopen() serves SIGHUP for those who rotate with logrotate instead: the name is opened again,
// to append (created if logrotate moved the file away).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "report/line_output.h"

namespace egresswatch {

struct RotationPolicy {
    std::uint64_t max_bytes = 0;     // 0: no size limit
    std::chrono::seconds max_age{};  // 0: no age limit
    std::size_t keep = 0;            // compressed segments kept; 0: all
    bool active() const { return max_bytes || max_age.count(); }
};

class RotatingFile final : public LineOutput {
public:
    using Clock = std::function<std::chrono::system_clock::time_point()>;
    RotatingFile() = default;  // writes nowhere until opened
    ~RotatingFile() override { close(); }
    // Creates or empties dir/name ("events.jsonl"); with rotation, a file left there by an
    // earlier session becomes a segment first. Throws SetupError naming it. The object stays
    // where it is (writers hold it by reference), so it is opened in place.
    void open(std::string dir, std::string name, RotationPolicy policy, Clock clock = {});
    // Writes nowhere again, once the segments rotated so far are compressed.
    void close();
    RotatingFile(const RotatingFile&) = delete;
    RotatingFile& operator=(const RotatingFile&) = delete;

    std::size_t write(std::string_view lines) override;
    std::string error() const override { return file_.error(); }
    const std::string& path() const { return file_.path(); }

    void reopen();
    // Waits until every segment rotated so far is compressed and the old ones removed.
    void settle();
    std::uint64_t rotations() const { return rotations_; }

private:
    bool rotate();  // false if the file could not be renamed: it is written on
    void compress_loop();
    void compress(const std::string& segment);
    void prune();
    std::string segment_name(std::chrono::system_clock::time_point at) const;

    std::string dir_, name_, stem_, extension_;
    RotationPolicy policy_;
    Clock clock_;
    LineFile file_;
    std::chrono::system_clock::time_point opened_at_{};
    std::uint64_t rotations_ = 0;

    std::mutex mutex_;
    std::condition_variable wake_, idle_;
    std::deque<std::string> pending_;  // segments to compress, oldest first
    bool busy_ = false, stopping_ = false;
    std::thread worker_;
};

}  // namespace egresswatch
