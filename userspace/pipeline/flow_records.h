#pragma once
// What the flow inspector's parts (flow_inspector.cpp, flow_inspector_h2.cpp) share to build
// their records.

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "base/ip_address.h"
#include "pipeline/records.h"

namespace egresswatch {

// A TLS or HTTP record about one connection (cookie 0: a TLS session whose socket is unknown).
template <typename Record>
Record record_for(std::int64_t ts_ns, ProcessRef process, const IpAddress& address, std::uint16_t port,
                  std::uint64_t cookie) {
    Record out;
    out.ts_ns = ts_ns;
    out.process = std::move(process);
    out.address = address;
    out.port = port;
    out.cookie = cookie;
    return out;
}

// Copied payload or plaintext, as the text the parsers read.
inline std::string_view text_of(const std::vector<std::uint8_t>& bytes) {
    return std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// A TLS session whose socket never became known still gets a flow of its own, apart from every
// socket's: cookies are small counters, these keys have the top bit set.
inline std::uint64_t unjoined_flow_key(std::uint32_t pid, std::uint64_t session) {
    return (std::uint64_t{1} << 63) | (session ^ (std::uint64_t{pid} << 40));
}

}  // namespace egresswatch
