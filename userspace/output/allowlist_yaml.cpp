#include <map>
#include <optional>
#include <set>
#include <tuple>

#include <yaml-cpp/yaml.h>

#include "core/allowlist.h"
#include "output/report.h"
#include "output/timefmt.h"

namespace egresswatch {
namespace {

constexpr int kAllowlistVersion = 1;

// One manifest entry: a host (when known) or a single address, on one port and protocol.
struct EntryKey {
    std::string name;  // host, else the address text
    bool is_host = false;
    std::uint16_t port = 0;
    std::string proto;
    auto operator<=>(const EntryKey&) const = default;
};

struct Entry {
    std::set<IpAddress> addresses;
    std::set<std::string> processes;
    AddressScope scope = AddressScope::internet;
};

}  // namespace

std::string build_allowlist_yaml(const Aggregator& agg, const ReportOptions& options) {
    std::map<EntryKey, Entry> entries;
    for (const auto& [key, d] : agg.destinations()) {
        if (!scope_matches(d.scope, options.scope)) continue;
        EntryKey k{d.host ? agg.name(d.host) : key.address.to_string(), d.host != 0, key.port,
                   std::string(protocol_name(key.protocol))};
        Entry& e = entries[k];
        e.addresses.insert(key.address);
        e.scope = d.scope;
        for (const ProcessUse& use : d.processes)
            if (use.exe) e.processes.insert(agg.name(use.exe));
    }

    YAML::Emitter out;
    out << YAML::BeginMap;
    out << YAML::Key << "version" << YAML::Value << kAllowlistVersion;
    out << YAML::Key << "generated" << YAML::Value << format_timestamp(options.generated_ns);
    out << YAML::Key << "scope" << YAML::Value << std::string(scope_filter_name(options.scope));
    out << YAML::Key << "destinations" << YAML::Value << YAML::BeginSeq;
    for (const auto& [k, e] : entries) {
        out << YAML::BeginMap;
        if (k.is_host) out << YAML::Key << "host" << YAML::Value << k.name;
        out << YAML::Key << "addresses" << YAML::Value << YAML::BeginSeq;
        for (const auto& a : e.addresses) out << a.to_string();
        out << YAML::EndSeq;
        // An ICMP entry has no port (allowlist_loader reads it so).
        std::optional<AllowProto> proto = parse_allow_proto(k.proto);
        if (!proto || !is_icmp(*proto)) out << YAML::Key << "port" << YAML::Value << k.port;
        out << YAML::Key << "proto" << YAML::Value << k.proto;
        out << YAML::Key << "scope" << YAML::Value << std::string(scope_name(e.scope));
        out << YAML::Key << "processes" << YAML::Value << YAML::BeginSeq;
        for (const auto& p : e.processes) out << p;
        out << YAML::EndSeq;
        out << YAML::EndMap;
    }
    out << YAML::EndSeq;
    out << YAML::EndMap;
    return std::string("# egress manifest written by egresswatch; diff two runs to see what changed\n") +
           out.c_str() + "\n";
}

}  // namespace egresswatch
