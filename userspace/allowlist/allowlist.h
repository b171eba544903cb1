#pragma once
// The allowlist (egress manifest) as a model: what `allowlist.yaml` holds once loaded, and
// what merge, diff, export and the matcher work on, and what the recorder (report/) builds
// from a session. The file format is documented in docs/allowlists.md ("Schema (version 1)");
// allowlist_loader.h reads it, allowlist_writer.h writes it.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "allowlist/cidr.h"
#include "allowlist/host_pattern.h"
#include "base/errors.h"

namespace egresswatch {

// The schema version this egresswatch reads and writes. Version 1 is what `run`, `watch`
// and `report` have always written; wildcards, CIDRs, port ranges, proto `any` and `sources`
// are additions a version 1 file may use (no older reader of version 1 exists to break).
constexpr int kAllowlistSchemaVersion = 1;

// A problem in an allowlist file: FILE:LINE: what is wrong (what to do). A SetupError, so
// every command prints it as one line and exits with kSetupErrorExit.
struct AllowlistError : SetupError {
    using SetupError::SetupError;
};

// `any` is TCP and UDP; ICMP echo is allowed only by name (icmp for IPv4, icmpv6 for IPv6),
// and an ICMP entry has no port (its ports are 0 to 0 inside).
// `sctp` and `other` are only recorded: a session that saw such a connection lists it, so the
// manifest is complete, but no allowlist may allow them (the loader refuses both names).
enum class AllowProto : std::uint8_t { any, icmp, icmpv6, other, sctp, tcp, udp };  // ordered as their names sort

std::string_view allow_proto_name(AllowProto proto);
// The names an allowlist file may use: any, icmp, icmpv6, tcp, udp.
std::optional<AllowProto> parse_allow_proto(std::string_view name);
// The proto a recorded connection's IP protocol number is listed under (EW_IPPROTO_*).
AllowProto allow_proto_of(std::uint8_t ip_protocol);
// Whether an IP protocol number (EW_IPPROTO_*) is allowed by the entry's proto.
bool allow_proto_covers(AllowProto proto, std::uint8_t ip_protocol);
bool is_icmp(AllowProto proto);

struct PortRange {
    std::uint16_t first = 0;
    std::uint16_t last = 0;

    static PortRange single(std::uint16_t port) { return {port, port}; }
    bool is_single() const { return first == last; }
    bool contains(std::uint16_t port) const { return port >= first && port <= last; }
    std::string to_string() const;  // "443" or "8000-8100"
    auto operator<=>(const PortRange&) const = default;
};

// One allowed destination: a host pattern (with the addresses it was seen at) or a list of
// addresses and blocks, on a port range and protocol, optionally only for some programs.
struct AllowEntry {
    std::optional<HostPattern> host;
    std::vector<Cidr> addresses;  // for a host: where it was reached (informational
                                  // for matching by name, used by address exports)
    PortRange ports;
    AllowProto proto = AllowProto::tcp;
    std::optional<std::string> scope;    // where the addresses are (AddressScope name), as recorded
    std::vector<std::string> processes;  // exe paths; empty: any process
    // Container images (image_reference.h), kNoContainer for processes outside any; empty: any.
    std::vector<std::string> images;
    std::vector<std::string> sources;  // which allowlists contributed this entry (merge)
    // The hosts whose sessions reached it, when a report read several hosts' (report --from
    // clickhouse): provenance, as sources is; matching ignores it.
    std::vector<std::string> seen_on;
    int line = 0;  // 1-based line in the file it came from, 0 if built

    bool operator==(const AllowEntry& other) const;
};

struct Allowlist {
    int version = kAllowlistSchemaVersion;
    std::optional<std::string> generated;  // RFC 3339, as the writer stamped it
    std::optional<std::string> scope;      // ScopeFilter name the recorder applied
    std::vector<AllowEntry> destinations;
    // What the loader accepted but a reader should hear about, one line each ("FILE:LINE: ...").
    std::vector<std::string> warnings;
};

std::optional<AddressScope> parse_address_scope(std::string_view name);

// "deb.example.org:443/tcp", "198.18.0.2:8080/tcp", "[fd00::53]:53/udp",
// "10.0.0.0/8:8000-8100/any", "*.example.org:443/tcp". For an address-only entry with
// several addresses, all of them joined by ','. The one label diff, export comments and
// messages use.
std::string entry_label(const AllowEntry& entry);

// The identity merge and diff use: (host pattern, or the single address/block), port
// range, proto. Sorting by it gives the recorder's order (by host or address text).
struct EntryIdentity {
    std::string name;  // host pattern text, or address/block text
    bool is_host = false;
    PortRange ports;
    AllowProto proto = AllowProto::tcp;
    auto operator<=>(const EntryIdentity&) const = default;
};

// Only meaningful for normalized entries (one address per address-only entry).
EntryIdentity identity_of(const AllowEntry& entry);

}  // namespace egresswatch
