#include "allowlist/allowlist_writer.h"

#include <yaml-cpp/yaml.h>

namespace egresswatch {
namespace {

void write_list(YAML::Emitter& out, const char* key, const std::vector<std::string>& items) {
    out << YAML::Key << key << YAML::Value;
    if (items.empty()) out << YAML::Flow;  // "processes: []" on the key's line
    out << YAML::BeginSeq;
    for (const auto& item : items) out << item;
    out << YAML::EndSeq;
}

void write_entry(YAML::Emitter& out, const AllowEntry& e) {
    out << YAML::BeginMap;
    if (e.host) out << YAML::Key << "host" << YAML::Value << e.host->text();
    if (!e.host || !e.addresses.empty()) {
        out << YAML::Key << "addresses" << YAML::Value << YAML::BeginSeq;
        for (const Cidr& c : e.addresses) out << c.to_string();
        out << YAML::EndSeq;
    }
    // An ICMP entry has no port. A range is quoted so that no YAML reader takes
    // "8000-8100" for anything but text.
    if (!is_icmp(e.proto)) {
        out << YAML::Key << "port" << YAML::Value;
        if (e.ports.is_single()) out << e.ports.first;
        else out << YAML::DoubleQuoted << e.ports.to_string();
    }
    out << YAML::Key << "proto" << YAML::Value << std::string(allow_proto_name(e.proto));
    if (e.scope) out << YAML::Key << "scope" << YAML::Value << *e.scope;
    write_list(out, "processes", e.processes);
    if (!e.sources.empty()) write_list(out, "sources", e.sources);
    out << YAML::EndMap;
}

}  // namespace

std::string write_allowlist_yaml(const Allowlist& list, std::string_view comment) {
    YAML::Emitter out;
    out << YAML::BeginMap;
    out << YAML::Key << "version" << YAML::Value << list.version;
    if (list.generated) out << YAML::Key << "generated" << YAML::Value << *list.generated;
    if (list.scope) out << YAML::Key << "scope" << YAML::Value << *list.scope;
    out << YAML::Key << "destinations" << YAML::Value << YAML::BeginSeq;
    for (const AllowEntry& e : list.destinations) write_entry(out, e);
    out << YAML::EndSeq;
    out << YAML::EndMap;
    return "# " + std::string(comment) + "\n" + out.c_str() + "\n";
}

}  // namespace egresswatch
