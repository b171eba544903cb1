// The ECS document of an http line: the request as url.* and http.*, and what is known of its
// response. The URL is rebuilt from the Host (or :authority) and the request target, with the
// scheme that carried it: https when read from a TLS library's plaintext.
#include <cmath>

#include "report/ecs/documents.h"

namespace egresswatch::ecs {
namespace {

// A Host header's name and port: "api.test:8443", "[fd00::2]:80" (ECS keeps an IPv6 literal's
// brackets in url.domain), "api.test".
struct Authority {
    std::string domain;
    std::optional<std::uint16_t> port;
};

Authority split_authority(const std::string& host) {
    std::size_t colon = host.rfind(':');
    bool bracketed = !host.empty() && host.front() == '[';
    if (colon == std::string::npos || (bracketed && host.find(']') > colon) || (!bracketed && host.find(':') != colon))
        return {host, std::nullopt};
    std::string digits = host.substr(colon + 1);
    if (digits.empty() || digits.size() > 5 || digits.find_first_not_of("0123456789") != std::string::npos)
        return {host, std::nullopt};
    unsigned long port = std::stoul(digits);
    if (port > 65535) return {host, std::nullopt};
    return {host.substr(0, colon), static_cast<std::uint16_t>(port)};
}

// A name, not an address: destination.domain is "the domain name of the destination".
bool is_domain_name(const std::string& domain) {
    if (domain.empty() || domain.front() == '[') return false;
    return !IpAddress::parse(domain);
}

void put_url(Json& doc, const HttpRecord& r) {
    const char* scheme = r.tls ? "https" : "http";
    put(doc, "url.scheme", scheme);
    std::optional<Authority> authority;
    if (r.host && !r.host->empty()) {
        authority = split_authority(*r.host);
        put(doc, "url.domain", authority->domain);
        if (authority->port) put(doc, "url.port", *authority->port);
    }
    // With hpack_desync the path may be unknown: then there is no URL to give.
    if (r.path.empty()) return;
    put(doc, "url.original", r.path);
    if (r.path.starts_with("http://") || r.path.starts_with("https://")) {
        put(doc, "url.full", r.path);  // absolute form, as sent to a proxy
        return;
    }
    if (r.path.front() != '/') return;  // authority form (CONNECT) or "*": no path
    std::size_t query = r.path.find('?');
    put(doc, "url.path", r.path.substr(0, query));
    if (query != std::string::npos) put(doc, "url.query", r.path.substr(query + 1));
    if (authority) put(doc, "url.full", std::string(scheme) + "://" + *r.host + r.path);
}

// Whether the call worked, as the response says: an HTTP error status, or for gRPC a
// grpc-status other than OK (gRPC answers its errors with HTTP 200).
std::optional<const char*> outcome(const HttpRecord& r) {
    if (r.grpc && r.grpc_status) return *r.grpc_status == 0 ? "success" : "failure";
    if (!r.status) return std::nullopt;
    return *r.status < 400 ? "success" : "failure";
}

}  // namespace

Json http_document(const HttpRecord& r, const std::string& host_name) {
    Event event{
        .category = {"network", "web"}, .type = {"connection", "protocol"}, .action = "http", .dataset = "http"};
    Json doc = document(r.ts_ns, event, host_name);
    if (auto o = outcome(r)) put(doc, "event.outcome", *o);
    // Request head to first response byte, in ECS's nanoseconds.
    if (r.response_time_ms) put(doc, "event.duration", std::llround(*r.response_time_ms * 1e6));
    put_process(doc, r.process);
    std::optional<std::string> domain;
    if (r.host) {
        std::string name = split_authority(*r.host).domain;
        if (is_domain_name(name)) domain = name;
    }
    put_destination(doc, r.address, r.port, 6, domain);
    put(doc, "network.protocol", "http");
    put_url(doc, r);
    put_text(doc, "http.request.method", r.method);
    put_text(doc, "http.version", r.http_version);
    // Content-Length is the body's size; http.*.bytes would be the whole message's.
    if (r.request_bytes) put(doc, "http.request.body.bytes", *r.request_bytes);
    if (r.status) put(doc, "http.response.status_code", *r.status);
    if (r.response_bytes) put(doc, "http.response.body.bytes", *r.response_bytes);
    if (r.user_agent) put_text(doc, "user_agent.original", *r.user_agent);
    Json errors = Json::array();
    if (r.malformed) errors.push_back(*r.malformed);
    if (r.reset) errors.push_back("HTTP/2 stream reset: " + *r.reset);
    if (!errors.empty()) put(doc, "error.message", errors.size() == 1 ? errors.front() : errors);
    return doc;
}

}  // namespace egresswatch::ecs
