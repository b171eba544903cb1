#pragma once
// The one JSON type of every output: keys keep the order they were written in, so that files
// diff cleanly and read in a fixed order ("type" first in events.jsonl).

#include <nlohmann/json.hpp>

namespace egresswatch {

using Json = nlohmann::ordered_json;

}  // namespace egresswatch
