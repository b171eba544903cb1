#pragma once
// A text stream read a line at a time, never holding more of a line than a bound: a longer
// line is refused once the bound is passed, before the rest of it is read.

#include <cstddef>
#include <istream>
#include <string>
#include <vector>

namespace egresswatch {

class LineReader {
public:
    LineReader(std::istream& in, std::size_t max_length);

    enum class Status {
        line,        // ended by '\n'
        unended,     // ended by the end of the stream, with no '\n'
        too_long,    // more than max_length bytes without a '\n'; the rest is left unread
        unreadable,  // a read failed
        end,
    };
    // The next line, without its '\n'.
    Status next(std::string& line);

private:
    std::istream& in_;
    std::size_t max_length_;
    std::vector<char> chunk_;
};

}  // namespace egresswatch
