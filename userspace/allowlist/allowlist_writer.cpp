#include "allowlist/allowlist_writer.h"

#include <sstream>

namespace egresswatch {

AllowlistYamlWriter::AllowlistYamlWriter(std::ostream& out, std::string_view comment, const Allowlist& header,
                                         EmptyListLayout empty_lists)
    : stream_(out), out_(out), empty_lists_(empty_lists) {
    // The emitter has written nothing yet: the comment line comes first.
    stream_ << "# " << comment << "\n";
    out_ << YAML::BeginMap;
    out_ << YAML::Key << "version" << YAML::Value << header.version;
    if (header.generated) out_ << YAML::Key << "generated" << YAML::Value << *header.generated;
    if (header.scope) out_ << YAML::Key << "scope" << YAML::Value << *header.scope;
    out_ << YAML::Key << "destinations" << YAML::Value << YAML::BeginSeq;
}

void AllowlistYamlWriter::write_list(const char* key, const std::vector<std::string>& items) {
    out_ << YAML::Key << key << YAML::Value;
    if (items.empty() && empty_lists_ == EmptyListLayout::on_key_line) out_ << YAML::Flow;
    out_ << YAML::BeginSeq;
    for (const auto& item : items) out_ << item;
    out_ << YAML::EndSeq;
}

void AllowlistYamlWriter::add(const AllowEntry& e) {
    out_ << YAML::BeginMap;
    if (e.host) out_ << YAML::Key << "host" << YAML::Value << e.host->text();
    if (!e.host || !e.addresses.empty()) {
        out_ << YAML::Key << "addresses" << YAML::Value << YAML::BeginSeq;
        for (const Cidr& c : e.addresses) out_ << c.to_string();
        out_ << YAML::EndSeq;
    }
    // An ICMP entry has no port. A range is quoted so that no YAML reader takes
    // "8000-8100" for anything but text.
    if (!is_icmp(e.proto)) {
        out_ << YAML::Key << "port" << YAML::Value;
        if (e.ports.is_single())
            out_ << e.ports.first;
        else
            out_ << YAML::DoubleQuoted << e.ports.to_string();
    }
    out_ << YAML::Key << "proto" << YAML::Value << std::string(allow_proto_name(e.proto));
    if (e.scope) out_ << YAML::Key << "scope" << YAML::Value << *e.scope;
    write_list("processes", e.processes);
    // Only entries that containers reached have images: every other file reads as before.
    if (!e.images.empty()) write_list("images", e.images);
    if (!e.sources.empty()) write_list("sources", e.sources);
    if (!e.seen_on.empty()) write_list("seen_on", e.seen_on);
    out_ << YAML::EndMap;
}

void AllowlistYamlWriter::finish() {
    out_ << YAML::EndSeq;
    out_ << YAML::EndMap;
    stream_ << "\n";
}

std::string write_allowlist_yaml(const Allowlist& list, std::string_view comment) {
    std::ostringstream text;
    AllowlistYamlWriter writer(text, comment, list);
    for (const AllowEntry& e : list.destinations) writer.add(e);
    writer.finish();
    return text.str();
}

}  // namespace egresswatch
