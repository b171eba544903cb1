#include "allowlist/export/export.h"

#include <algorithm>

#include "allowlist/allowlist_merge.h"

namespace egresswatch {

const std::vector<ExportFormat>& export_formats() {
    static const std::vector<ExportFormat> formats{
        {"nftables", "an nftables ruleset (table inet egresswatch) that rejects everything else", export_nftables,
         true},
        {"k8s", "a Kubernetes NetworkPolicy with ipBlocks", export_k8s},
        {"cilium", "a CiliumNetworkPolicy with toFQDNs and toCIDR", export_cilium},
        {"squid", "ACLs and http_access lines for a Squid forwarding proxy", export_squid},
        {"hosts", "host (or address) and port per line, for a mirror plan", export_hosts},
        {"conn-check", "YAML connectivity checks (tcp, tls, http) per destination", export_conn_check},
        {"harden-runner", "host:port lines for step-security/harden-runner's allowed-endpoints", export_harden_runner},
    };
    return formats;
}

const ExportFormat* find_export_format(std::string_view name) {
    for (const ExportFormat& f : export_formats())
        if (f.name == name) return &f;
    return nullptr;
}

ExportResult export_allowlist(const Allowlist& list, std::string_view format, const ExportOptions& options) {
    const ExportFormat* f = find_export_format(format);
    if (!f) throw SetupError("unknown export format '" + std::string(format) + "'");
    Allowlist normalized = normalize_allowlist(list);
    std::vector<std::string> left_out;
    if (!f->icmp)
        std::erase_if(normalized.destinations, [&](const AllowEntry& e) {
            if (is_icmp(e.proto))
                left_out.push_back(entry_label(e) + ": left out, " + std::string(f->name) +
                                   " has no way to allow ICMP echo");
            return is_icmp(e.proto);
        });
    ExportResult result = f->exporter(normalized, options);
    result.warnings.insert(result.warnings.begin(), left_out.begin(), left_out.end());
    return result;
}

std::vector<Cidr> outermost_blocks(const std::vector<Cidr>& blocks) {
    std::vector<Cidr> out;
    for (const Cidr& c : blocks) {
        bool covered = std::any_of(blocks.begin(), blocks.end(),
                                   [&](const Cidr& other) { return other != c && other.contains(c); });
        if (!covered && std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
    }
    return out;
}

std::vector<std::string> proto_names(AllowProto proto) {
    if (proto == AllowProto::any) return {"tcp", "udp"};
    return {std::string(allow_proto_name(proto))};
}

}  // namespace egresswatch
