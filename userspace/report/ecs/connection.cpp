// The ECS documents of connect, send and blocked lines, of the repeats the kernel counted, and
// of alerts, which are about a connection.
#include "report/ecs/documents.h"

namespace egresswatch::ecs {

Json connection_document(const ConnectionRecord& r, const std::string& host_name) {
    bool blocked = r.verdict == Verdict::blocked;
    // A refused attempt is ECS's "denied", as a firewall's would be; which call it refused
    // (connect or send) has no field.
    Event event{.category = {"network"},
                .type = {"connection", blocked ? "denied" : "start"},
                .action = blocked ? std::string("blocked") : std::string(sock_event_kind_name(r.kind)),
                .dataset = "connection"};
    Json doc = document(r.ts_ns, event, host_name);
    if (blocked) put(doc, "event.outcome", "failure");
    if (r.verdict == Verdict::unverified) put(doc, "event.reason", "unverified");
    put_process(doc, r.process);
    put_destination(doc, r.address, r.port, r.protocol, r.host);
    return doc;
}

Json alert_document(const AlertRecord& r, const std::string& host_name) {
    const ConnectionRecord& c = r.connection;
    // ECS's "alert" is a detection made outside the Elastic Stack, as this one is.
    Event event{.kind = "alert", .category = {"network"}, .type = {"info"}, .action = "alert", .dataset = "alert"};
    Json doc = document(r.ts_ns, event, host_name);
    put(doc, "event.reason", r.reason);
    put_text(doc, "rule.ruleset", r.baseline);
    put_process(doc, c.process);
    put_destination(doc, c.address, c.port, c.protocol, c.host);
    put(doc, "message", alert_text(r));
    return doc;
}

std::vector<Json> repeat_documents(const RepeatRecord& r, const std::string& host_name) {
    bool connects = r.kind == SockEventKind::connect;
    std::vector<Json> docs;
    for (const RepeatCount& d : r.destinations) {
        Event event{
            .category = {"network"}, .type = {"connection", "start"}, .action = "repeat", .dataset = "connection"};
        Json doc = document(r.ts_ns, event, host_name);
        put(doc, "process.pid", r.pid);
        put_text(doc, "process.name", r.comm);
        put_text(doc, "process.executable", r.exe);
        put_destination(doc, d.address, d.port, d.protocol, std::nullopt);
        // No ECS field holds a count of connections: the message says it.
        put(doc, "message",
            std::to_string(d.count) + " more " + (connects ? "connects" : "datagrams") + " to " +
                destination_label(d.address, d.port, d.protocol) + ", counted in the kernel");
        docs.push_back(std::move(doc));
    }
    return docs;
}

}  // namespace egresswatch::ecs
