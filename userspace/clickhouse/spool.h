#pragma once
// Batches of rows that wait on disk for the server, oldest first: one file each, named by its
// number, under a directory of the --out directory, at most a given number of bytes in all.
// Each file is written under a temporary name and renamed when whole, so a crash leaves only
// whole batches, and a session that starts again sends what an earlier one left.

#include <cstdint>
#include <deque>
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
    // failed: writing it failed (error() says). Either way the spool does not hold it.
    Push push(std::string_view batch, std::uint64_t rows);
    bool empty() const { return files_.empty(); }
    // The oldest batch; nullopt when it could not be read (error() says).
    std::optional<std::string> front();
    std::uint64_t front_rows() const { return files_.empty() ? 0 : files_.front().rows; }
    void pop();

    std::uint64_t bytes() const { return bytes_; }
    std::uint64_t rows() const { return rows_; }
    std::size_t batches() const { return files_.size(); }
    const std::string& dir() const { return dir_; }
    const std::string& error() const { return error_; }

private:
    struct File {
        std::uint64_t number = 0;
        std::uint64_t rows = 0;
        std::uint64_t bytes = 0;
    };
    std::string path_of(const File& file) const;

    std::string dir_;
    std::uint64_t max_bytes_;
    std::deque<File> files_;
    std::uint64_t next_ = 1;
    std::uint64_t bytes_ = 0;
    std::uint64_t rows_ = 0;
    std::string error_;
};

}  // namespace egresswatch
