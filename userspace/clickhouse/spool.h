#pragma once
// Batches of rows on their way to the server, oldest first: one file each, named by its number,
// under a directory of the --out directory, at most a given number of bytes in all. Each file is
// written under a temporary name and renamed when whole, so a crash leaves only whole batches,
// and a session that starts again sends what an earlier one left. One thread may push while
// another reads and pops: the files' list is behind a lock.

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace egresswatch {

class Spool {
public:
    // Makes the directory and takes up the batches an earlier session left in it. Throws
    // SetupError when the directory cannot be made or read.
    Spool(std::string dir, std::uint64_t max_bytes);

    enum class Push { kept, full, failed };
    // `rows`: how many rows the batch holds (kept in its file's name, so that a batch that
    // cannot be read back is still counted). full: it would take the spool past its bound;
    // failed: writing it failed (push_error() says). Either way the spool does not hold it.
    // From one thread at a time.
    Push push(std::string_view batch, std::uint64_t rows);
    bool empty() const;
    // The oldest batch and its rows; nullopt when there is none, or it could not be read (then
    // `error` says why, and its rows are still given: pop it and count them).
    struct Batch {
        std::optional<std::string> text;
        std::uint64_t rows = 0;
    };
    Batch front(std::string& error) const;
    void pop();

    std::uint64_t bytes() const;
    std::uint64_t rows() const;
    std::size_t batches() const;
    const std::string& dir() const { return dir_; }
    const std::string& push_error() const { return push_error_; }

private:
    struct File {
        std::uint64_t number = 0;
        std::uint64_t rows = 0;
        std::uint64_t bytes = 0;
    };
    std::string path_of(const File& file) const;

    const std::string dir_;
    const std::uint64_t max_bytes_;
    mutable std::mutex mutex_;
    std::deque<File> files_;
    std::uint64_t next_ = 1;
    std::uint64_t bytes_ = 0;
    std::uint64_t rows_ = 0;
    std::string push_error_;  // the pushing thread's
};

}  // namespace egresswatch
