// Connectivity checks, one per destination that can be checked from a shell: a TLS
// handshake on 443, an HTTP request on 80, a TCP connect elsewhere. What cannot be checked
// that way (UDP, wildcards, blocks, port ranges) is left out with a warning.
//
//   checks:
//     - name: deb.example.org:443/tcp
//       type: tls            # tcp | tls | http
//       host: deb.example.org  # or address: 192.0.2.1
//       port: 443
//       url: http://...      # http only
#include <yaml-cpp/yaml.h>

#include "allowlist/export/export.h"

namespace egresswatch {
namespace {

std::string check_type(std::uint16_t port) {
    if (port == 443) return "tls";
    if (port == 80) return "http";
    return "tcp";
}

std::optional<std::string> why_not_checkable(const AllowEntry& e) {
    if (e.proto == AllowProto::udp) return "UDP cannot be checked with a connect";
    if (!e.ports.is_single()) return "a port range has no single port to check";
    if (e.host && e.host->is_wildcard()) return "a wildcard has no single name to check";
    if (!e.host && !e.addresses.front().is_single_address()) return "a block has no single address to check";
    return std::nullopt;
}

}  // namespace

ExportResult export_conn_check(const Allowlist& list, const ExportOptions&) {
    ExportResult result;
    YAML::Emitter out;
    out << YAML::BeginMap << YAML::Key << "checks" << YAML::Value << YAML::BeginSeq;
    for (const AllowEntry& e : list.destinations) {
        std::string label = entry_label(e);
        if (auto why = why_not_checkable(e)) {
            result.warnings.push_back(label + ": left out, " + *why);
            continue;
        }
        std::string type = check_type(e.ports.first);
        std::string target = e.host ? e.host->text() : e.addresses.front().network.to_string();
        out << YAML::BeginMap;
        out << YAML::Key << "name" << YAML::Value << label;
        out << YAML::Key << "type" << YAML::Value << type;
        out << YAML::Key << (e.host ? "host" : "address") << YAML::Value << target;
        out << YAML::Key << "port" << YAML::Value << e.ports.first;
        if (type == "http") {
            bool v6 = !e.host && e.addresses.front().network.family == Family::ipv6;
            out << YAML::Key << "url" << YAML::Value << "http://" + (v6 ? "[" + target + "]" : target) + "/";
        }
        out << YAML::EndMap;
    }
    out << YAML::EndSeq << YAML::EndMap;
    result.text = "# connectivity checks exported by egresswatch: one per allowed destination\n" +
                  std::string(out.c_str()) + "\n";
    return result;
}

}  // namespace egresswatch
