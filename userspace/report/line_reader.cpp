#include "report/line_reader.h"

namespace egresswatch {

LineReader::LineReader(std::istream& in, std::size_t max_length)
    : in_(in), max_length_(max_length), chunk_(64 * 1024) {}

LineReader::Status LineReader::next(std::string& line) {
    line.clear();
    const auto size = static_cast<std::streamsize>(chunk_.size());
    while (true) {
        in_.getline(chunk_.data(), size);
        if (in_.bad()) return Status::unreadable;
        auto got = static_cast<std::size_t>(in_.gcount());
        // getline stops at the end of the stream without a '\n', at a '\n' that it takes and
        // counts, or with failbit when the chunk filled up first.
        bool at_end = in_.eof();
        bool ended = !at_end && !in_.fail();
        if (ended) --got;
        // Checked before the line grows, so it never holds more than the bound.
        if (line.size() + got > max_length_) return Status::too_long;
        line.append(chunk_.data(), got);
        if (at_end) return line.empty() ? Status::end : Status::unended;
        if (ended) return Status::line;
        in_.clear();
    }
}

}  // namespace egresswatch
