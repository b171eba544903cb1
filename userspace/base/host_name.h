#pragma once
// The observing machine's name, as every record that leaves the host is tagged with (the start
// line, ECS's host.name, ClickHouse's host column): gethostname(2), so a UTS namespace's own.

#include <string>

namespace egresswatch {

// Empty when the kernel will not say.
std::string local_host_name();

}  // namespace egresswatch
