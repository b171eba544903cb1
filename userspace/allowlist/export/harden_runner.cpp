// step-security/harden-runner's `allowed-endpoints` input: "host:port", one a line (the
// action splits on spaces and newlines). It takes TCP destinations by name or IPv4
// address; DNS it handles itself. Anything else is left out with a warning.
#include "allowlist/export/export.h"

namespace egresswatch {

ExportResult export_harden_runner(const Allowlist& list, const ExportOptions&) {
    ExportResult result;
    for (const AllowEntry& e : list.destinations) {
        std::string label = entry_label(e);
        auto skip = [&](const char* why) { result.warnings.push_back(label + ": left out, " + why); };
        if (e.proto == AllowProto::udp) {
            skip("allowed-endpoints are TCP (harden-runner handles DNS itself)");
            continue;
        }
        if (!e.ports.is_single()) {
            skip("allowed-endpoints take one port per endpoint");
            continue;
        }
        std::string port = ":" + std::to_string(e.ports.first) + "\n";
        if (e.host) {
            result.text += e.host->text() + port;
            continue;
        }
        for (const Cidr& c : e.addresses) {
            if (c.is_single_address() && c.network.family == Family::ipv4)
                result.text += c.to_string() + port;
            else
                skip("allowed-endpoints take host names and IPv4 addresses, not blocks or IPv6");
        }
    }
    return result;
}

}  // namespace egresswatch
