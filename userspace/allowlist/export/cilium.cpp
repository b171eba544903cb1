// CiliumNetworkPolicy (cilium.io/v2): names stay names (toFQDNs), so CDN address changes do
// not matter; address entries become toCIDR. toFQDNs only works when Cilium's DNS proxy
// sees the lookups, which the first rule (DNS to kube-dns, inspected) arranges.
// A Cilium matchPattern "*" stands for one label, so *.example.org allows a.example.org but
// not a.b.example.org there: narrower than the allowlist, never wider.
#include <yaml-cpp/yaml.h>

#include "allowlist/export/export.h"

namespace egresswatch {
namespace {

std::string upper(AllowProto proto) {
    switch (proto) {
    case AllowProto::tcp: return "TCP";
    case AllowProto::udp: return "UDP";
    case AllowProto::any: return "ANY";
    // export_allowlist leaves ICMP entries out of this format; the loader never gives sctp
    // or other.
    case AllowProto::icmp:
    case AllowProto::icmpv6:
    case AllowProto::sctp:
    case AllowProto::other: break;
    }
    return "ANY";
}

void write_to_ports(YAML::Emitter& out, const AllowEntry& e) {
    out << YAML::Key << "toPorts" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
    out << YAML::Key << "ports" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
    out << YAML::Key << "port" << YAML::Value << YAML::DoubleQuoted << std::to_string(e.ports.first);
    if (!e.ports.is_single()) out << YAML::Key << "endPort" << YAML::Value << e.ports.last;
    out << YAML::Key << "protocol" << YAML::Value << upper(e.proto);
    out << YAML::EndMap << YAML::EndSeq;
    out << YAML::EndMap << YAML::EndSeq;
}

void write_dns_rule(YAML::Emitter& out) {
    out << YAML::BeginMap << YAML::Key << "toEndpoints" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
    out << YAML::Key << "matchLabels" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "k8s:io.kubernetes.pod.namespace" << YAML::Value << "kube-system";
    out << YAML::Key << "k8s:k8s-app" << YAML::Value << "kube-dns";
    out << YAML::EndMap << YAML::EndMap << YAML::EndSeq;
    out << YAML::Key << "toPorts" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
    out << YAML::Key << "ports" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
    out << YAML::Key << "port" << YAML::Value << YAML::DoubleQuoted << "53";
    out << YAML::Key << "protocol" << YAML::Value << "ANY" << YAML::EndMap << YAML::EndSeq;
    out << YAML::Key << "rules" << YAML::Value << YAML::BeginMap << YAML::Key << "dns" << YAML::Value << YAML::BeginSeq
        << YAML::BeginMap << YAML::Key << "matchPattern" << YAML::Value << YAML::DoubleQuoted << "*" << YAML::EndMap
        << YAML::EndSeq << YAML::EndMap;
    out << YAML::EndMap << YAML::EndSeq << YAML::EndMap;
}

}  // namespace

ExportResult export_cilium(const Allowlist& list, const ExportOptions& options) {
    ExportResult result;
    YAML::Emitter out;
    out << YAML::BeginMap;
    out << YAML::Key << "apiVersion" << YAML::Value << "cilium.io/v2";
    out << YAML::Key << "kind" << YAML::Value << "CiliumNetworkPolicy";
    out << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap << YAML::Key << "name" << YAML::Value
        << options.policy_name << YAML::EndMap;
    out << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "endpointSelector" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::EndMap;
    out << YAML::Key << "egress" << YAML::Value << YAML::BeginSeq;
    write_dns_rule(out);
    for (const AllowEntry& e : list.destinations) {
        out << YAML::BeginMap;
        if (e.host) {
            const char* key = e.host->is_wildcard() ? "matchPattern" : "matchName";
            out << YAML::Key << "toFQDNs" << YAML::Value << YAML::BeginSeq << YAML::BeginMap << YAML::Key << key
                << YAML::Value << e.host->text() << YAML::EndMap << YAML::EndSeq;
        } else {
            out << YAML::Key << "toCIDR" << YAML::Value << YAML::BeginSeq;
            for (const Cidr& c : outermost_blocks(e.addresses)) out << c.to_prefix_string();
            out << YAML::EndSeq;
        }
        write_to_ports(out, e);
        out << YAML::EndMap;
    }
    out << YAML::EndSeq << YAML::EndMap << YAML::EndMap;
    result.text = "# CiliumNetworkPolicy exported by egresswatch: endpoints of this namespace may reach only\n"
                  "# these names, addresses and kube-dns (inspected, so that toFQDNs learns the answers).\n" +
                  std::string(out.c_str()) + "\n";
    return result;
}

}  // namespace egresswatch
