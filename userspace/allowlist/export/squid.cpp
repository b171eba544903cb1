// Squid forwarding proxy: ACLs per port (or port range), names as dstdomain and addresses
// as dst, then one http_access allow per pair and a final deny. Include the file before
// squid.conf's own http_access lines. Squid proxies TCP only, so UDP entries are left out.
// Squid's ".example.org" also matches example.org itself, one name more than the
// allowlist's *.example.org allows.
#include <map>
#include <set>

#include "allowlist/export/export.h"

namespace egresswatch {
namespace {

struct PortAcls {
    std::set<std::string> names;
    std::vector<Cidr> addresses;
};

// Squid complains about an ACL that lists a name twice (.example.org covers a.example.org
// and example.org) and about nested blocks: keep only what nothing else covers.
bool covered_by_wildcard(const std::string& name, const std::set<std::string>& names) {
    for (const std::string& other : names)
        if (other.starts_with(".") && other != name &&
            (name == other.substr(1) || (name.size() > other.size() && name.ends_with(other))))
            return true;
    return false;
}

std::string acl_suffix(const PortRange& ports) {
    return ports.is_single() ? std::to_string(ports.first)
                             : std::to_string(ports.first) + "_" + std::to_string(ports.last);
}

}  // namespace

ExportResult export_squid(const Allowlist& list, const ExportOptions&) {
    ExportResult result;
    std::map<PortRange, PortAcls> by_port;
    for (const AllowEntry& e : list.destinations) {
        if (e.proto == AllowProto::udp) {
            result.warnings.push_back(entry_label(e) + ": left out, a proxy carries TCP only");
            continue;
        }
        PortAcls& acls = by_port[e.ports];
        if (e.host)
            acls.names.insert(e.host->is_wildcard() ? "." + e.host->domain() : e.host->text());
        else
            acls.addresses.insert(acls.addresses.end(), e.addresses.begin(), e.addresses.end());
    }

    std::string& out = result.text;
    out += "# Squid ACLs exported by egresswatch. Include this before squid.conf's own http_access lines:\n";
    out += "# requests to these names and addresses on these ports pass, every other request is denied.\n";
    out += "# Note: .example.org also matches example.org itself.\n";
    std::vector<std::string> access;
    for (const auto& [ports, acls] : by_port) {
        std::string port_acl = "egresswatch_port_" + acl_suffix(ports);
        out += "acl " + port_acl + " port " + ports.to_string() + "\n";
        if (!acls.names.empty()) {
            std::string acl = "egresswatch_names_" + acl_suffix(ports);
            for (const auto& name : acls.names)
                if (!covered_by_wildcard(name, acls.names)) out += "acl " + acl + " dstdomain " + name + "\n";
            access.push_back("http_access allow " + acl + " " + port_acl);
        }
        if (!acls.addresses.empty()) {
            std::string acl = "egresswatch_addresses_" + acl_suffix(ports);
            for (const Cidr& c : outermost_blocks(acls.addresses))
                out += "acl " + acl + " dst " + c.to_prefix_string() + "\n";
            access.push_back("http_access allow " + acl + " " + port_acl);
        }
    }
    for (const auto& line : access) out += line + "\n";
    out += "http_access deny all\n";
    return result;
}

}  // namespace egresswatch
