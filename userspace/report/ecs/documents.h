#pragma once
// The ECS documents of --json-format ecs: the fields every document and every process and
// destination share (document.cpp), and each record's document, in one file per kind of
// record. The writer (writer.cpp) writes what these return.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "pipeline/records.h"

namespace egresswatch::ecs {

// The categorization fields, with ECS's allowed values (event.kind, event.category, event.type).
struct Event {
    const char* kind = "event";
    std::vector<const char*> category = {};  // empty: none fits (the session's own lines)
    std::vector<const char*> type = {};
    std::string action = {};   // the native line's "type": connect, dns, http, ...
    const char* dataset = "";  // event.dataset is "egresswatch." and this
};

// @timestamp, ecs.version, event.* and host.name: how every document begins.
Json document(std::int64_t ts_ns, const Event& event, const std::string& host_name);

// Sets the field at a dotted ECS name ("process.parent.pid"), nesting objects on the way.
void put(Json& doc, std::string_view field, Json value);
// A string field, left out when empty: ECS has no "unknown" value, only an absent field.
void put_text(Json& doc, std::string_view field, const std::string& value);

// process.*, user.id, container.* and, for a Kubernetes pod, orchestrator.*.
void put_process(Json& doc, const ProcessRef& p);
// destination.*, and network.* as seen from this host (direction egress). domain: the name the
// process used, when one is known.
void put_destination(Json& doc, const IpAddress& address, std::uint16_t port, std::uint8_t protocol,
                     const std::optional<std::string>& domain);
// "198.18.0.3:443/tcp", "[fd00::53]:53/udp": a destination in a message.
std::string destination_label(const IpAddress& address, std::uint16_t port, std::uint8_t protocol);

Json connection_document(const ConnectionRecord& r, const std::string& host_name);
Json alert_document(const AlertRecord& r, const std::string& host_name);
std::vector<Json> repeat_documents(const RepeatRecord& r, const std::string& host_name);
Json exec_document(const ExecRecord& r, const std::string& host_name);
Json exit_document(const ExitRecord& r, const std::string& host_name);
Json dns_document(const DnsLookupRecord& r, const std::string& host_name);
Json tls_document(const TlsRecord& r, const std::string& host_name);
Json tls_end_document(const TlsEndRecord& r, const std::string& host_name);
Json http_document(const HttpRecord& r, const std::string& host_name);
Json start_document(const SessionStart& r, const std::string& host_name);
Json stop_document(const SessionStop& r, const std::string& host_name);
Json loss_document(const LossRecord& r, const std::string& host_name);

}  // namespace egresswatch::ecs
