#pragma once
// "Is this destination allowed?" for baseline alerts, checks and enforcement.
//
// A host entry allows a connection by its name: the caller passes the name it knows for the
// connection (HTTP Host, TLS SNI, or the DNS answer that gave the process this address),
// and the address does not matter, because CDN addresses change. Without a name, a host
// entry allows the addresses it was recorded at. With a name that the entry does not match,
// its recorded addresses do not count: a shared CDN address serves many names, and the
// name says which one was meant.
//
// An address entry allows any address inside one of its addresses or blocks, named or not.
// Every entry also needs the port inside its range, the protocol covered by its proto, and,
// when it lists processes, the exe among them, and when it lists images, the image of the
// process's container among them (or kNoContainer outside any).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "allowlist/allowlist.h"
#include "egresswatch/abi.h"

namespace egresswatch {

struct DestinationQuery {
    IpAddress address;
    std::uint16_t port = 0;
    std::uint8_t protocol = EW_IPPROTO_TCP;  // IP protocol number (EW_IPPROTO_*)
    std::optional<std::string> host;         // the name known for this connection, if any
    std::optional<std::string> exe;          // the process's exe path, if known
    // workload_image() of the process (image_reference.h), if known: an entry that lists
    // images allows only a known one.
    std::optional<std::string> image;
};

enum class MatchReason { host_name, recorded_address, address };

struct AllowMatch {
    const AllowEntry* entry = nullptr;
    MatchReason reason = MatchReason::address;
};

// Holds a reference to the allowlist: keep it alive and unchanged while matching.
class AllowlistMatcher {
public:
    explicit AllowlistMatcher(const Allowlist& list) : list_(list) {}

    // The first allowing entry in file order, or nullopt when nothing allows it.
    std::optional<AllowMatch> find(const DestinationQuery& query) const;
    bool allows(const DestinationQuery& query) const { return find(query).has_value(); }

    // Host entries whose pattern matches a name: for enforcement, which learns the addresses
    // to let through from the DNS answers for names the allowlist allows.
    std::vector<const AllowEntry*> entries_for_name(std::string_view name) const;

private:
    const Allowlist& list_;
};

// One entry against one query; the rule the matcher applies to each entry.
std::optional<MatchReason> entry_allows(const AllowEntry& entry, const DestinationQuery& query);

}  // namespace egresswatch
