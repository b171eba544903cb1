#pragma once
// The fields of one decoded header block, within bounds: the pseudo-header fields and the few
// regular fields a record reads (whatever their position), and the regular fields in order up
// to kMaxKeptHeaders. Fields are added as the inflater decodes them.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/http2/exchange.h"

namespace egresswatch::http2 {

inline constexpr std::size_t kMaxKeptHeaders = 64;        // per block; more are counted
inline constexpr std::size_t kMaxHeaderValue = 8 * 1024;  // names and values cut there, counted
// Regular fields kept per block, in bytes: a connection keeps at most three blocks for each of
// its kMaxOpenStreams streams, so this bounds it to about 12 MiB whatever a peer sends.
inline constexpr std::size_t kMaxKeptBlockBytes = 16 * 1024;

struct HeaderBlock {
    // The first of each; null when absent or not decodable.
    std::optional<std::string> method, scheme, authority, path;
    std::optional<int> status;  // :status, when three digits
    std::optional<std::string> host, content_type;
    std::optional<int> grpc_status;
    std::vector<Field> fields;  // regular fields, in order
    std::size_t fields_dropped = 0;
    std::size_t kept_bytes = 0;  // of the regular fields kept
    std::size_t values_truncated = 0;
    bool desync = false;  // some field could not be decoded (or the block was not read whole)

    void add(std::string_view name, std::string_view value, bool known);
};

}  // namespace egresswatch::http2
