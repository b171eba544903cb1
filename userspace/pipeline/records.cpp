#include "pipeline/records.h"

namespace egresswatch {

std::uint64_t LossRecord::total() const {
    std::uint64_t sum = 0;
    for (const auto& [reason, count] : reasons) sum += count;
    return sum;
}

std::string alert_destination(const ConnectionRecord& r) {
    std::string where;
    if (r.host && !r.host->empty())
        where = *r.host;
    else if (r.address.family == Family::ipv6)
        where = "[" + r.address.to_string() + "]";
    else
        where = r.address.to_string();
    return where + port_and_protocol_label(r.port, r.protocol);
}

std::string alert_text(const AlertRecord& alert) {
    const ConnectionRecord& c = alert.connection;
    const ProcessRef& p = c.process;
    std::string out = "new destination " + alert_destination(c);
    if (c.host && !c.host->empty()) out += " (" + c.address.to_string() + ")";
    out += " by " + (p.exe.empty() ? p.comm : p.exe) + " [pid " + std::to_string(p.pid);
    if (!p.ancestry.empty()) {
        out += ", started by ";
        for (std::size_t i = 0; i < p.ancestry.size(); ++i)
            out += (i ? " <- " : "") + (p.ancestry[i].exe.empty() ? p.ancestry[i].comm : p.ancestry[i].exe);
    }
    out += "]";
    if (p.container) {
        const ContainerInfo& c = *p.container;
        out += " in container " + (c.name.empty() ? c.id.substr(0, 12) : c.name);
        if (!c.image.empty()) out += " (" + c.image + ")";
    }
    return out;
}

}  // namespace egresswatch
