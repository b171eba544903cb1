// A mirror plan's input: what has to be reachable (or mirrored), one destination a line,
// "NAME PORT/PROTO". Names first, then the destinations known only by address, so the
// names that need mirrors are at the top; no comments, so scripts can read every line.
#include "allowlist/export/export.h"

namespace egresswatch {

ExportResult export_hosts(const Allowlist& list, const ExportOptions&) {
    ExportResult result;
    std::string names, addresses;
    for (const AllowEntry& e : list.destinations) {
        std::string where = " " + e.ports.to_string() + "/" + std::string(allow_proto_name(e.proto)) + "\n";
        if (e.host)
            names += e.host->text() + where;
        else
            for (const Cidr& c : e.addresses) addresses += c.to_string() + where;
    }
    result.text = names + addresses;
    return result;
}

}  // namespace egresswatch
