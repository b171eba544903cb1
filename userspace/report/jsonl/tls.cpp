// The `tls` line of events.jsonl, written and read back: a ClientHello's SNI and ALPN.
#include "report/jsonl.h"
#include "report/jsonl/peer.h"

namespace egresswatch {

Json to_json(const TlsRecord& r) {
    Json j{{"type", "tls"}, {"ts", format_timestamp(r.ts_ns)}};
    put_process(j, r.process);
    put_peer(j, r);
    j["sni"] = r.sni ? Json(*r.sni) : Json(nullptr);
    j["alpn"] = r.alpn;
    return j;
}

TlsRecord tls_from(const Json& j) {
    TlsRecord r;
    read_peer(j, r);
    r.sni = maybe_field<std::string>(j, "sni");
    r.alpn = optional_field<std::vector<std::string>>(j, "alpn");
    return r;
}

}  // namespace egresswatch
