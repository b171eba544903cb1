#pragma once
// The one JSON type of every output: keys keep the order they were written in, so that files
// diff cleanly and read in a fixed order ("type" first in events.jsonl).

#include <nlohmann/json.hpp>
#include <string>

namespace egresswatch {

using Json = nlohmann::ordered_json;

// One line of JSON, compact, as every line format writes it. Invalid UTF-8 (argv and comm are
// arbitrary bytes) is replaced rather than thrown on.
inline std::string json_line(const Json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace egresswatch
