#pragma once
// One JSON document written to a stream as it is produced, byte for byte as nlohmann's
// dump(2) (invalid UTF-8 replaced) would write the whole document, so that report.json
// needs no document in memory: at 100k destinations, `report` with the document and its dump
// peaked at 395 MB, and at 37 MB streamed (bench/results.md).
// Small parts (one destination, one endpoint) are still built as Json and written whole.

#include <cstddef>
#include <ostream>
#include <string_view>
#include <vector>

#include "report/jsonl.h"

namespace egresswatch {

class JsonStream {
public:
    explicit JsonStream(std::ostream& out) : out_(out) {}

    // Containers: begun as a value (top level, array element, or after key()), closed by end().
    void begin_object();
    void begin_array();
    void end();
    // In an object: the next member's name; its value follows.
    void key(std::string_view name);
    // A whole value, formatted at the current depth.
    void value(const Json& v);
    void field(std::string_view name, const Json& v) {
        key(name);
        value(v);
    }

private:
    struct Level {
        bool object = false;
        bool empty = true;
    };
    void next_item();  // the separator and indentation before a member or element
    void before_value();
    void indent(std::size_t depth);

    std::ostream& out_;
    std::vector<Level> open_;
    bool after_key_ = false;
};

}  // namespace egresswatch
