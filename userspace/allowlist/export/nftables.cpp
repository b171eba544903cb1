// nftables: one table, `inet egresswatch`, replaced atomically on every load. Exact
// destinations (one address, one port) go into four named sets, by protocol and family;
// blocks and port ranges become one rule each, because overlapping intervals in a
// concatenated set are refused by the kernel. Host entries are enforced by the addresses
// they were recorded at, since nftables cannot see names.
//
// Policy: established and related traffic, loopback, IPv6 neighbour discovery and the
// allowed destinations pass; every other new connection or datagram leaving this host is
// logged (at most 10 lines a second) and rejected, so a client fails at once instead of
// waiting for a timeout.
#include <map>
#include <set>

#include "allowlist/export/export.h"

namespace egresswatch {
namespace {

struct SetElements {
    std::vector<std::string> lines;  // elements and "# label" comments, in entry order
    std::set<std::string> seen;
};

std::string set_name(const std::string& proto, Family family) {
    return "allowed_" + proto + (family == Family::ipv4 ? "_v4" : "_v6");
}

std::string family_match(Family family) { return family == Family::ipv4 ? "ip daddr" : "ip6 daddr"; }

void write_set(std::string& out, const std::string& name, Family family, const SetElements& set) {
    out += "    set " + name + " {\n";
    out += std::string("        type ") + (family == Family::ipv4 ? "ipv4_addr" : "ipv6_addr") + " . inet_service\n";
    std::size_t elements = set.seen.size();
    if (elements) {
        out += "        elements = {\n";
        std::size_t written = 0;
        for (const std::string& line : set.lines) {
            bool comment = line.starts_with("#");
            out += "            " + line;
            if (!comment && ++written < elements) out += ",";
            out += "\n";
        }
        out += "        }\n";
    }
    out += "    }\n";
}

}  // namespace

ExportResult export_nftables(const Allowlist& list, const ExportOptions& options) {
    ExportResult result;
    std::map<std::string, SetElements> sets;  // by set name
    std::vector<std::string> block_rules;
    std::vector<std::string> not_exported;

    for (const AllowEntry& e : list.destinations) {
        std::string label = entry_label(e);
        if (e.addresses.empty()) {
            not_exported.push_back("# " + label + ": no recorded addresses, so nothing to enforce by address");
            result.warnings.push_back(label + ": left out, it has no recorded addresses");
            continue;
        }
        std::map<std::string, bool> commented;
        if (is_icmp(e.proto)) {
            const char* type = e.proto == AllowProto::icmp ? "icmp type echo-request" : "icmpv6 type echo-request";
            for (const Cidr& c : outermost_blocks(e.addresses))
                block_rules.push_back(family_match(c.network.family) + " " + c.to_prefix_string() + " " + type +
                                      " accept comment \"" + label + "\"");
            continue;
        }
        for (const Cidr& c : outermost_blocks(e.addresses)) {
            for (const std::string& proto : proto_names(e.proto)) {
                if (c.is_single_address() && e.ports.is_single()) {
                    std::string name = set_name(proto, c.network.family);
                    SetElements& set = sets[name];
                    std::string element = c.network.to_string() + " . " + e.ports.to_string();
                    if (!set.seen.insert(element).second) continue;
                    if (!commented[name]) set.lines.push_back("# " + label);
                    commented[name] = true;
                    set.lines.push_back(element);
                } else {
                    block_rules.push_back(family_match(c.network.family) + " " + c.to_prefix_string() + " " + proto +
                                          " dport " + e.ports.to_string() + " accept comment \"" + label + "\"");
                }
            }
        }
    }

    std::string& out = result.text;
    out += "#!/usr/sbin/nft -f\n";
    out += "# Egress allowlist exported by egresswatch. Load it with: nft -f FILE\n";
    out += "# Established traffic, loopback, IPv6 neighbour discovery and the destinations below pass;\n";
    out += "# every other packet leaving this host is logged (10 lines/s at most) and rejected.\n";
    out += "# Host names are enforced by their recorded addresses; processes are not enforced.\n";
    out += "\n";
    // Declaring the table first makes the delete succeed when it does not exist yet, so the
    // whole file replaces the previous version in one transaction.
    out += "table inet egresswatch\n";
    out += "delete table inet egresswatch\n\n";
    out += "table inet egresswatch {\n";
    for (Family family : {Family::ipv4, Family::ipv6})
        for (const std::string proto : {"tcp", "udp"}) {
            std::string name = set_name(proto, family);
            write_set(out, name, family, sets[name]);
            out += "\n";
        }
    out += "    chain output {\n";
    out += "        type filter hook output priority filter; policy accept;\n";
    out += "        ct state established,related accept\n";
    out += "        oifname \"lo\" accept\n";
    out += "        meta l4proto ipv6-icmp accept comment \"IPv6 needs neighbour discovery\"\n";
    if (options.resolvers.empty()) {
        out += "        # DNS: recorded resolvers are in the sets when the allowlist lists them. Otherwise export\n";
        out += "        # with --resolver ADDRESS, or allow every resolver by uncommenting the next line.\n";
        out += "        # meta l4proto { tcp, udp } th dport 53 accept\n";
    }
    for (const IpAddress& r : options.resolvers) {
        IpAddress a = r.unmapped();
        for (const char* proto : {"udp", "tcp"})
            out += "        " + family_match(a.family) + " " + a.to_string() + " " + proto +
                   " dport 53 accept comment \"DNS resolver\"\n";
    }
    for (Family family : {Family::ipv4, Family::ipv6})
        for (const std::string proto : {"tcp", "udp"})
            out +=
                "        " + family_match(family) + " . " + proto + " dport @" + set_name(proto, family) + " accept\n";
    for (const std::string& rule : block_rules) out += "        " + rule + "\n";
    for (const std::string& line : not_exported) out += "        " + line + "\n";
    out += "        limit rate 10/second log prefix \"egresswatch denied: \"\n";
    out += "        counter reject with icmpx type admin-prohibited\n";
    out += "    }\n";
    out += "}\n";
    return result;
}

}  // namespace egresswatch
