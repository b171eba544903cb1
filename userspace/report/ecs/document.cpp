// The fields every ECS document shares: the head (@timestamp, ecs, event, host), the process
// that did it, and the destination it reached.
#include "base/timefmt.h"
#include "egresswatch/abi.h"
#include "report/ecs/documents.h"
#include "report/ecs/ecs.h"

namespace egresswatch::ecs {
namespace {

// network.transport is IANA's keyword for the protocol, which for ICMPv6 is not egresswatch's
// own name for it; "" for a protocol egresswatch does not name (network.iana_number still says).
std::string_view transport_name(std::uint8_t protocol) {
    switch (protocol) {
    case EW_IPPROTO_TCP: return "tcp";
    case EW_IPPROTO_UDP: return "udp";
    case EW_IPPROTO_ICMP: return "icmp";
    case EW_IPPROTO_ICMPV6: return "ipv6-icmp";
    case EW_IPPROTO_SCTP: return "sctp";
    default: return "";
    }
}

Json names(const std::vector<const char*>& values) {
    Json list = Json::array();
    for (const char* v : values) list.push_back(v);
    return list;
}

void put_container(Json& doc, const ContainerInfo& c) {
    put_text(doc, "container.id", c.id);
    put_text(doc, "container.name", c.name);
    // The reference as the runtime recorded it, tag or digest included: ECS's image.tag would
    // need the reference parsed, and image.name then still names the image.
    put_text(doc, "container.image.name", c.image);
    put_text(doc, "container.runtime", std::string(runtime_name(c.runtime)));
    if (!c.pod) return;
    put(doc, "orchestrator.type", "kubernetes");
    put_text(doc, "orchestrator.namespace", c.pod->namespace_name);
    put(doc, "orchestrator.resource.type", "pod");
    put_text(doc, "orchestrator.resource.name", c.pod->name);
    put_text(doc, "orchestrator.resource.id", c.pod->uid);
}

}  // namespace

void put(Json& doc, std::string_view field, Json value) {
    Json* at = &doc;
    for (std::size_t dot; (dot = field.find('.')) != std::string_view::npos; field.remove_prefix(dot + 1))
        at = &(*at)[std::string(field.substr(0, dot))];
    (*at)[std::string(field)] = std::move(value);
}

void put_text(Json& doc, std::string_view field, const std::string& value) {
    if (!value.empty()) put(doc, field, value);
}

Json document(std::int64_t ts_ns, const Event& event, const std::string& host_name) {
    Json doc{{"@timestamp", format_timestamp(ts_ns)}};
    put(doc, "ecs.version", kEcsVersion);
    put(doc, "event.kind", event.kind);
    if (!event.category.empty()) put(doc, "event.category", names(event.category));
    put(doc, "event.type", names(event.type));
    put(doc, "event.action", event.action);
    put(doc, "event.module", "egresswatch");
    put(doc, "event.dataset", std::string("egresswatch.") + event.dataset);
    put_text(doc, "host.name", host_name);
    return doc;
}

void put_process(Json& doc, const ProcessRef& p) {
    put(doc, "process.pid", p.pid);
    if (p.tid) put(doc, "process.thread.id", p.tid);
    put_text(doc, "process.name", p.comm);
    put_text(doc, "process.executable", p.exe);
    if (!p.argv.empty()) {
        put(doc, "process.args", p.argv);
        put(doc, "process.args_count", p.argv.size());
    }
    // ECS names one parent; the rest of the ancestry has no field.
    if (!p.ancestry.empty()) {
        const Ancestor& parent = p.ancestry.front();
        put(doc, "process.parent.pid", parent.pid);
        put_text(doc, "process.parent.name", parent.comm);
        put_text(doc, "process.parent.executable", parent.exe);
    }
    // A keyword in ECS, which also holds Windows SIDs.
    put(doc, "user.id", std::to_string(p.uid));
    if (p.container) put_container(doc, *p.container);
}

void put_destination(Json& doc, const IpAddress& address, std::uint16_t port, std::uint8_t protocol,
                     const std::optional<std::string>& domain) {
    bool named = domain && !domain->empty();
    // ECS: address holds what the source gave, and is copied to .ip or .domain.
    put(doc, "destination.address", named ? *domain : address.to_string());
    put(doc, "destination.ip", address.to_string());
    if (protocol != EW_IPPROTO_ICMP && protocol != EW_IPPROTO_ICMPV6) put(doc, "destination.port", port);
    if (named) put(doc, "destination.domain", *domain);
    put(doc, "network.type", address.family == Family::ipv4 ? "ipv4" : "ipv6");
    put_text(doc, "network.transport", std::string(transport_name(protocol)));
    put(doc, "network.iana_number", std::to_string(protocol));
    // Host-based monitoring says "egress": every flow egresswatch records was opened from here.
    put(doc, "network.direction", "egress");
}

std::string destination_label(const IpAddress& address, std::uint16_t port, std::uint8_t protocol) {
    std::string where = address.family == Family::ipv6 ? "[" + address.to_string() + "]" : address.to_string();
    return where + port_and_protocol_label(port, protocol);
}

}  // namespace egresswatch::ecs
