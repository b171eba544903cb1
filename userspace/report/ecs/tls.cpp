// The ECS documents of tls and tls_end lines: a ClientHello and what the server chose, and what
// was seen of the connection's requests when its inspection ended.
#include "report/ecs/documents.h"

namespace egresswatch::ecs {
namespace {

template <typename Record>
void put_tls_peer(Json& doc, const Record& r) {
    put_process(doc, r.process);
    put_destination(doc, r.address, r.port, 6, r.sni);
    put(doc, "network.protocol", "tls");
    if (r.sni) put_text(doc, "tls.client.server_name", *r.sni);
}

// "3 HTTP requests read from openssl's plaintext"; "no HTTP request visible: not-seen: go".
std::string requests_text(const TlsEndRecord& r) {
    std::string library = r.library ? *r.library + "'s " : std::string();
    if (r.not_visible) return "no HTTP request visible: " + *r.not_visible;
    if (r.plaintext_not_http) return "its plaintext (" + r.library.value_or("") + ") is not HTTP";
    return std::to_string(r.requests) + (r.requests == 1 ? " HTTP request" : " HTTP requests") + " read from " +
           library + "plaintext";
}

}  // namespace

Json tls_document(const TlsRecord& r, const std::string& host_name) {
    Event event{.category = {"network"}, .type = {"connection", "protocol"}, .action = "tls", .dataset = "tls"};
    Json doc = document(r.ts_ns, event, host_name);
    put_tls_peer(doc, r);
    // The server's choices, from its ServerHello. ECS has no field for the ALPN list the client
    // offered; next_protocol is the one chosen (TLS 1.3 encrypts it, so it is often unknown).
    if (r.tls_version && !r.tls_version->starts_with("0x")) {
        put(doc, "tls.version", *r.tls_version);
        put(doc, "tls.version_protocol", "tls");
    }
    if (r.alpn_selected) put_text(doc, "tls.next_protocol", *r.alpn_selected);
    return doc;
}

Json tls_end_document(const TlsEndRecord& r, const std::string& host_name) {
    Event event{.category = {"network"}, .type = {"connection", "end"}, .action = "tls_end", .dataset = "tls"};
    Json doc = document(r.ts_ns, event, host_name);
    put_tls_peer(doc, r);
    if (r.not_visible) put(doc, "event.reason", *r.not_visible);
    put(doc, "message", requests_text(r));
    return doc;
}

}  // namespace egresswatch::ecs
