#pragma once
// An allowlist in the formats other tools enforce or consume. Every exporter takes the
// normalized allowlist (sorted, merged), so the same allowlist always gives the same text.
// What a format cannot express is left out and named in `warnings`, never dropped silently.

#include <string>
#include <string_view>
#include <vector>

#include "allowlist/allowlist.h"

namespace egresswatch {

struct ExportOptions {
    std::string policy_name = "egresswatch-allowlist";  // k8s, cilium: metadata.name
    std::vector<IpAddress> resolvers;                   // nftables: DNS servers to allow
};

struct ExportResult {
    std::string text;
    std::vector<std::string> warnings;  // one line each: what was left out and why
};

using Exporter = ExportResult (*)(const Allowlist& normalized, const ExportOptions& options);

struct ExportFormat {
    std::string_view name;
    std::string_view description;
    Exporter exporter;
    // Whether the format can allow ICMP echo; if not, ICMP entries are left out with a warning.
    bool icmp = false;
};

const std::vector<ExportFormat>& export_formats();
const ExportFormat* find_export_format(std::string_view name);

// Normalizes, then runs the named format's exporter. The name must be a known format.
ExportResult export_allowlist(const Allowlist& list, std::string_view format, const ExportOptions& options);

ExportResult export_nftables(const Allowlist& normalized, const ExportOptions& options);
ExportResult export_k8s(const Allowlist& normalized, const ExportOptions& options);
ExportResult export_cilium(const Allowlist& normalized, const ExportOptions& options);
ExportResult export_squid(const Allowlist& normalized, const ExportOptions& options);
ExportResult export_hosts(const Allowlist& normalized, const ExportOptions& options);
ExportResult export_conn_check(const Allowlist& normalized, const ExportOptions& options);
ExportResult export_harden_runner(const Allowlist& normalized, const ExportOptions& options);

// Shared by the exporters: an entry's address blocks without those that a wider block of
// the same entry already covers (firewalls reject overlapping intervals).
std::vector<Cidr> outermost_blocks(const std::vector<Cidr>& blocks);
// The IP protocols an entry's proto stands for, as lower-case names ("tcp", "udp").
std::vector<std::string> proto_names(AllowProto proto);

}  // namespace egresswatch
