#include "enforce/blocked_notice.h"

namespace egresswatch {

std::string blocked_notice_text(const ConnectionRecord& r) {
    const ProcessRef& p = r.process;
    std::string out = std::string(verdict_name(r.verdict)) + " " + std::string(sock_event_kind_name(r.kind)) + " " +
                      p.comm + "[" + std::to_string(p.pid) + "]";
    if (!p.exe.empty()) out += " (" + p.exe + ")";
    out += " -> ";
    if (r.host && !r.host->empty())
        out += *r.host + " (" + r.address.to_string() + ")";
    else if (r.address.family == Family::ipv6)
        out += "[" + r.address.to_string() + "]";
    else
        out += r.address.to_string();
    return out + port_and_protocol_label(r.port, r.protocol);
}

void BlockedNotice::on_connection(const ConnectionRecord& r) {
    if (r.verdict == Verdict::allowed) return;
    // endl: a refused connect often ends the command, and the line must be out before its error.
    err_ << "egresswatch: " << blocked_notice_text(r) << std::endl;
}

}  // namespace egresswatch
