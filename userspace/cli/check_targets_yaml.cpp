// TEMPORARY reader, see check_targets_yaml.h.
#include "cli/check_targets_yaml.h"

#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace egresswatch {
namespace {

CheckTarget read_entry(const YAML::Node& entry, const std::string& where) {
    if (!entry.IsMap()) throw CheckInputError(where + ": not a mapping");
    CheckTarget t;
    if (entry["host"]) {
        if (!entry["host"].IsScalar() || entry["host"].Scalar().empty())
            throw CheckInputError(where + ": host is not a name");
        t.host = entry["host"].Scalar();
    }
    if (const YAML::Node addresses = entry["addresses"]) {
        if (!addresses.IsSequence()) throw CheckInputError(where + ": addresses is not a list");
        for (const auto& a : addresses) {
            auto ip = a.IsScalar() ? IpAddress::parse(a.Scalar()) : std::nullopt;
            if (!ip) throw CheckInputError(where + ": '" + (a.IsScalar() ? a.Scalar() : "?") + "' is not an IP address");
            t.addresses.push_back(*ip);
        }
    }
    if (t.host.empty() && t.addresses.empty()) throw CheckInputError(where + ": neither host nor addresses");
    const YAML::Node port = entry["port"];
    if (!port) throw CheckInputError(where + ": no port");
    long value = -1;
    try {
        value = port.as<long>();
    } catch (const YAML::Exception&) {
    }
    if (value < 1 || value > 65535)
        throw CheckInputError(where + ": port '" + (port.IsScalar() ? port.Scalar() : "?") + "' is not 1-65535");
    t.port = static_cast<std::uint16_t>(value);
    const std::string proto = entry["proto"] && entry["proto"].IsScalar() ? entry["proto"].Scalar() : "";
    if (proto == "tcp") t.proto = CheckProto::tcp;
    else if (proto == "udp") t.proto = CheckProto::udp;
    else throw CheckInputError(where + ": proto '" + proto + "' is not tcp or udp");
    return t;
}

}  // namespace

std::vector<CheckTarget> parse_check_targets(const std::string& yaml_text, const std::string& source_name) {
    YAML::Node root;
    try {
        root = YAML::Load(yaml_text);
    } catch (const YAML::Exception& e) {
        throw CheckInputError(source_name + ": not YAML: " + e.what());
    }
    if (!root.IsMap() || !root["destinations"])
        throw CheckInputError(source_name + ": not an allowlist (no destinations: list)");
    const YAML::Node list = root["destinations"];
    if (list.IsNull()) return {};
    if (!list.IsSequence()) throw CheckInputError(source_name + ": destinations is not a list");
    std::vector<CheckTarget> targets;
    for (std::size_t i = 0; i < list.size(); ++i)
        targets.push_back(read_entry(list[i], source_name + ": destinations[" + std::to_string(i) + "]"));
    return targets;
}

std::vector<CheckTarget> read_check_targets(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw CheckInputError("cannot read " + path + ": no such file or not readable");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw CheckInputError("cannot read " + path);
    return parse_check_targets(text.str(), path);
}

}  // namespace egresswatch
