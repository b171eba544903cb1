// The `tls` and `tls_end` lines of events.jsonl, written and read back: a ClientHello's SNI
// and ALPN, and what was seen of the connection's requests when its inspection ended.
#include "report/jsonl.h"
#include "report/jsonl/peer.h"

namespace egresswatch {

Json to_json(const TlsRecord& r) {
    Json j{{"type", "tls"}, {"ts", format_timestamp(r.ts_ns)}};
    put_process(j, r.process);
    put_peer(j, r);
    j["sni"] = r.sni ? Json(*r.sni) : Json(nullptr);
    j["alpn"] = r.alpn;
    j["tls_version"] = r.tls_version ? Json(*r.tls_version) : Json(nullptr);
    j["alpn_selected"] = r.alpn_selected ? Json(*r.alpn_selected) : Json(nullptr);
    return j;
}

TlsRecord tls_from(const Json& j) {
    TlsRecord r;
    read_peer(j, r);
    r.sni = maybe_field<std::string>(j, "sni");
    r.alpn = optional_field<std::vector<std::string>>(j, "alpn");
    r.tls_version = maybe_field<std::string>(j, "tls_version");
    r.alpn_selected = maybe_field<std::string>(j, "alpn_selected");
    return r;
}

Json to_json(const TlsEndRecord& r) {
    Json j{{"type", "tls_end"}, {"ts", format_timestamp(r.ts_ns)}};
    put_process(j, r.process);
    put_peer(j, r);
    j["sni"] = r.sni ? Json(*r.sni) : Json(nullptr);
    j["requests"] = r.requests;
    j["requests_visible"] = !r.not_visible.has_value();
    j["library"] = r.library ? Json(*r.library) : Json(nullptr);
    if (r.plaintext_not_http) j["plaintext_not_http"] = true;
    j["reason"] = r.not_visible ? Json(*r.not_visible) : Json(nullptr);
    return j;
}

TlsEndRecord tls_end_from(const Json& j) {
    TlsEndRecord r;
    read_peer(j, r);
    r.sni = maybe_field<std::string>(j, "sni");
    r.requests = optional_field<std::uint64_t>(j, "requests");
    r.library = maybe_field<std::string>(j, "library");
    r.plaintext_not_http = optional_field<bool>(j, "plaintext_not_http");
    r.not_visible = maybe_field<std::string>(j, "reason");
    return r;
}

}  // namespace egresswatch
