#include "report/json_stream.h"

#include <stdexcept>
#include <string>

namespace egresswatch {
namespace {

std::string dumped(const Json& v) { return v.dump(2, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace

void JsonStream::indent(std::size_t depth) {
    for (std::size_t i = 0; i < depth; ++i) out_ << "  ";
}

void JsonStream::next_item() {
    Level& level = open_.back();
    out_ << (level.empty ? "\n" : ",\n");
    level.empty = false;
    indent(open_.size());
}

void JsonStream::before_value() {
    if (after_key_) {
        after_key_ = false;
        return;
    }
    if (open_.empty()) return;
    if (open_.back().object) throw std::logic_error("JsonStream: a value in an object needs a key");
    next_item();
}

void JsonStream::key(std::string_view name) {
    if (open_.empty() || !open_.back().object || after_key_)
        throw std::logic_error("JsonStream: key outside an object");
    next_item();
    out_ << dumped(Json(name)) << ": ";
    after_key_ = true;
}

void JsonStream::begin_object() {
    before_value();
    out_ << '{';
    open_.push_back({true, true});
}

void JsonStream::begin_array() {
    before_value();
    out_ << '[';
    open_.push_back({false, true});
}

void JsonStream::end() {
    if (open_.empty() || after_key_) throw std::logic_error("JsonStream: end without an open container");
    Level level = open_.back();
    open_.pop_back();
    if (!level.empty) {
        out_ << '\n';
        indent(open_.size());
    }
    out_ << (level.object ? '}' : ']');
}

void JsonStream::value(const Json& v) {
    before_value();
    std::string text = dumped(v);
    if (open_.empty()) {
        out_ << text;
        return;
    }
    // A string never holds a raw newline (dump escapes it), so every newline is a line
    // break of the nested value, to be indented by the depth it is written at.
    std::string pad(2 * open_.size(), ' ');
    std::size_t from = 0;
    for (std::size_t nl; (nl = text.find('\n', from)) != std::string::npos; from = nl + 1)
        out_.write(text.data() + from, static_cast<std::streamsize>(nl + 1 - from)) << pad;
    out_.write(text.data() + from, static_cast<std::streamsize>(text.size() - from));
}

}  // namespace egresswatch
