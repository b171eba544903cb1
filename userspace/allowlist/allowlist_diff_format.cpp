#include "allowlist/allowlist_diff_format.h"

namespace egresswatch {
namespace {

void append_list(std::string& line, const char* what, const ListChange& change) {
    if (change.empty()) return;
    line += std::string(" ") + what;
    for (const auto& a : change.added) line += " +" + a;
    for (const auto& r : change.removed) line += " -" + r;
}

Json list_change_json(const ListChange& change) { return Json{{"added", change.added}, {"removed", change.removed}}; }

}  // namespace

Json entry_json(const AllowEntry& e) {
    Json j;
    j["destination"] = entry_label(e);
    if (e.host) j["host"] = e.host->text();
    Json addresses = Json::array();
    for (const Cidr& c : e.addresses) addresses.push_back(c.to_string());
    j["addresses"] = addresses;
    if (e.ports.is_single())
        j["port"] = e.ports.first;
    else
        j["port"] = e.ports.to_string();
    j["proto"] = allow_proto_name(e.proto);
    j["processes"] = e.processes;
    if (!e.images.empty()) j["images"] = e.images;
    return j;
}

std::string render_diff_text(const std::vector<DestinationChange>& changes) {
    std::string out;
    for (const DestinationChange& c : changes) {
        switch (c.kind) {
        case DestinationChange::Kind::added: out += "+ " + c.label; break;
        case DestinationChange::Kind::removed: out += "- " + c.label; break;
        case DestinationChange::Kind::changed:
            out += "~ " + c.label;
            append_list(out, "addresses", c.addresses);
            append_list(out, "processes", c.processes);
            append_list(out, "images", c.images);
            break;
        }
        out += "\n";
    }
    return out;
}

Json render_diff_json(const std::vector<DestinationChange>& changes) {
    Json added = Json::array(), removed = Json::array(), changed = Json::array();
    for (const DestinationChange& c : changes) {
        switch (c.kind) {
        case DestinationChange::Kind::added: added.push_back(entry_json(c.after)); break;
        case DestinationChange::Kind::removed: removed.push_back(entry_json(c.before)); break;
        case DestinationChange::Kind::changed:
            changed.push_back(Json{{"destination", c.label},
                                   {"addresses", list_change_json(c.addresses)},
                                   {"processes", list_change_json(c.processes)},
                                   {"images", list_change_json(c.images)}});
            break;
        }
    }
    return Json{{"equal", changes.empty()}, {"added", added}, {"removed", removed}, {"changed", changed}};
}

}  // namespace egresswatch
