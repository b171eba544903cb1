#pragma once
// Line formats (events.jsonl, requests.log, the --json stream) are written a batch of whole
// lines at a time, and what a failed write leaves behind is whole lines too: a reader of the
// file never meets half a line, even when the disk filled up mid-run.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace egresswatch {

class LineOutput {
public:
    virtual ~LineOutput() = default;
    // Writes `lines`, whole lines each ending in '\n'. Returns how many of its bytes the output
    // holds now: all of them, or after a failure a whole number of lines, and error() says why.
    virtual std::size_t write(std::string_view lines) = 0;
    virtual std::string error() const = 0;
};

// A file of the --out directory. A write that fails part-way (ENOSPC, EDQUOT, EFBIG) is cut
// back to the end of the last whole line it wrote.
class LineFile final : public LineOutput {
public:
    LineFile() = default;  // takes nothing until a file is opened into it
    // Creates or empties `path`, or with append, creates it or writes on at its end. Throws
    // SetupError naming it.
    enum class Open { truncate, append };
    explicit LineFile(const std::string& path, Open how = Open::truncate);
    LineFile(LineFile&& other) noexcept;
    LineFile& operator=(LineFile&& other) noexcept;
    LineFile(const LineFile&) = delete;
    LineFile& operator=(const LineFile&) = delete;
    ~LineFile() override;

    std::size_t write(std::string_view lines) override;
    std::string error() const override;
    const std::string& path() const { return path_; }
    std::uint64_t size() const { return end_; }  // of the whole lines written

private:
    std::string path_;
    int fd_ = -1;
    bool can_cut_ = false;   // a regular file: a partial line can be cut off again
    std::uint64_t end_ = 0;  // where its last whole line ends
    int errno_ = 0;
};

// A stream (standard output, a test's stringstream): what a failed flush let through is not
// known, so none of it counts as written.
class StreamOutput final : public LineOutput {
public:
    explicit StreamOutput(std::ostream& out) : out_(out) {}
    std::size_t write(std::string_view lines) override;
    std::string error() const override;

private:
    std::ostream& out_;
    int errno_ = 0;
};

// Gathers lines into batches for a LineOutput. Once a write has failed, later records are
// dropped and counted: writing on after a gap would leave a file that looks whole and is not.
class LineWriter {
public:
    enum class Kind {
        record,   // dropped once writing has failed, and counted in dropped()
        account,  // says what the output holds (events.jsonl's start, lost and stop lines):
                  // still tried after a failure, so the file can say what it lacks; never counted
    };
    // on_failure: called once, at the first failed write, with its reason.
    explicit LineWriter(LineOutput& out, std::function<void(const std::string& reason)> on_failure = {})
        : out_(out), on_failure_(std::move(on_failure)) {}
    // One line, without its '\n'.
    void add(std::string_view line, Kind kind = Kind::record);
    // Writes the batch.
    void flush();
    bool failed() const { return failed_; }
    // Records given to this writer that the output does not hold.
    std::uint64_t dropped() const { return dropped_; }

private:
    LineOutput& out_;
    std::function<void(const std::string&)> on_failure_;
    std::string batch_;
    std::vector<std::size_t> record_ends_;  // where each record line of the batch ends
    bool failed_ = false;
    std::uint64_t dropped_ = 0;
};

}  // namespace egresswatch
