#include "alerts/alert_state.h"

#include "base/ip_address.h"
#include "base/json.h"

namespace egresswatch {

namespace {

std::optional<std::uint8_t> protocol_number(const std::string& name) {
    if (name == "tcp") return 6;
    if (name == "udp") return 17;
    if (name == "sctp") return 132;
    if (name == "icmp") return 1;
    if (name == "icmpv6") return 58;
    return std::nullopt;
}

}  // namespace

void write_alert_state(std::ostream& out, const AlertState& state) {
    Json alerted = Json::array();
    for (const auto& [where, port, protocol] : state.alerted)
        alerted.push_back({{"destination", where}, {"port", port}, {"protocol", std::string(protocol_name(protocol))}});
    out << Json{{"version", 1}, {"baseline", state.baseline}, {"alerted", alerted}}.dump() << '\n';
}

std::optional<AlertState> read_alert_state(const std::string& text, std::string& error) {
    Json j = Json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        error = "not JSON";
        return std::nullopt;
    }
    if (j.value("version", 0) != 1) {
        error = "version " + j.value("version", Json(nullptr)).dump() + ", this egresswatch reads version 1";
        return std::nullopt;
    }
    AlertState state;
    if (j.contains("baseline") && j["baseline"].is_string()) state.baseline = j["baseline"];
    if (!j.contains("alerted") || !j["alerted"].is_array()) {
        error = "no \"alerted\" list";
        return std::nullopt;
    }
    for (const Json& a : j["alerted"]) {
        auto protocol = a.is_object() && a.contains("protocol") && a["protocol"].is_string()
                            ? protocol_number(a["protocol"])
                            : std::nullopt;
        if (!a.is_object() || !a.contains("destination") || !a["destination"].is_string() || !a.contains("port") ||
            !a["port"].is_number_unsigned() || a["port"].get<std::uint64_t>() > 65535 || !protocol) {
            error = "an entry of \"alerted\" is not {destination, port, protocol}: " + a.dump();
            return std::nullopt;
        }
        state.alerted.emplace_back(a["destination"].get<std::string>(), a["port"].get<std::uint16_t>(), *protocol);
    }
    return state;
}

}  // namespace egresswatch
