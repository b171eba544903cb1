// Kubernetes NetworkPolicy (networking.k8s.io/v1): every pod of the namespace it is applied
// in may reach the allowed addresses and ports, and DNS on kube-dns, and nothing else. A
// NetworkPolicy knows no names, so host entries are enforced by their recorded addresses.
#include <yaml-cpp/yaml.h>

#include "allowlist/export/export.h"

namespace egresswatch {
namespace {

std::string upper(const std::string& proto) { return proto == "tcp" ? "TCP" : "UDP"; }

void write_ports(YAML::Emitter& out, const AllowEntry& e) {
    out << YAML::Key << "ports" << YAML::Value << YAML::BeginSeq;
    for (const std::string& proto : proto_names(e.proto)) {
        out << YAML::BeginMap << YAML::Key << "protocol" << YAML::Value << upper(proto);
        out << YAML::Key << "port" << YAML::Value << e.ports.first;
        if (!e.ports.is_single()) out << YAML::Key << "endPort" << YAML::Value << e.ports.last;
        out << YAML::EndMap;
    }
    out << YAML::EndSeq;
}

// Without it, no pod could resolve the names it is allowed to reach.
void write_dns_rule(YAML::Emitter& out) {
    out << YAML::BeginMap << YAML::Key << "to" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
    out << YAML::Key << "namespaceSelector" << YAML::Value << YAML::BeginMap << YAML::Key << "matchLabels"
        << YAML::Value << YAML::BeginMap << YAML::Key << "kubernetes.io/metadata.name" << YAML::Value << "kube-system"
        << YAML::EndMap << YAML::EndMap;
    out << YAML::Key << "podSelector" << YAML::Value << YAML::BeginMap << YAML::Key << "matchLabels" << YAML::Value
        << YAML::BeginMap << YAML::Key << "k8s-app" << YAML::Value << "kube-dns" << YAML::EndMap << YAML::EndMap;
    out << YAML::EndMap << YAML::EndSeq;
    out << YAML::Key << "ports" << YAML::Value << YAML::BeginSeq;
    for (const char* proto : {"UDP", "TCP"})
        out << YAML::BeginMap << YAML::Key << "protocol" << YAML::Value << proto << YAML::Key << "port" << YAML::Value
            << 53 << YAML::EndMap;
    out << YAML::EndSeq << YAML::EndMap;
}

}  // namespace

ExportResult export_k8s(const Allowlist& list, const ExportOptions& options) {
    ExportResult result;
    YAML::Emitter out;
    out << YAML::BeginMap;
    out << YAML::Key << "apiVersion" << YAML::Value << "networking.k8s.io/v1";
    out << YAML::Key << "kind" << YAML::Value << "NetworkPolicy";
    out << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap << YAML::Key << "name" << YAML::Value
        << options.policy_name << YAML::EndMap;
    out << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "podSelector" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::EndMap;
    out << YAML::Key << "policyTypes" << YAML::Value << YAML::BeginSeq << "Egress" << YAML::EndSeq;
    out << YAML::Key << "egress" << YAML::Value << YAML::BeginSeq;
    write_dns_rule(out);
    for (const AllowEntry& e : list.destinations) {
        std::string label = entry_label(e);
        if (e.addresses.empty()) {
            result.warnings.push_back(label + ": left out, it has no recorded addresses");
            continue;
        }
        out << YAML::BeginMap << YAML::Key << "to" << YAML::Value << YAML::Comment(label) << YAML::BeginSeq;
        for (const Cidr& c : outermost_blocks(e.addresses))
            out << YAML::BeginMap << YAML::Key << "ipBlock" << YAML::Value << YAML::BeginMap << YAML::Key << "cidr"
                << YAML::Value << c.to_prefix_string() << YAML::EndMap << YAML::EndMap;
        out << YAML::EndSeq;
        write_ports(out, e);
        out << YAML::EndMap;
    }
    out << YAML::EndSeq << YAML::EndMap << YAML::EndMap;
    result.text = "# NetworkPolicy exported by egresswatch: pods of this namespace may reach only these\n"
                  "# destinations (host names by their recorded addresses) and kube-dns.\n" +
                  std::string(out.c_str()) + "\n";
    return result;
}

}  // namespace egresswatch
