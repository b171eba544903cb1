// The ECS document of a dns line: a response an observed process received, and its answers.
#include "report/ecs/documents.h"

namespace egresswatch::ecs {

Json dns_document(const DnsLookupRecord& r, const std::string& host_name) {
    Event event{.category = {"network"}, .type = {"connection", "protocol"}, .action = "dns", .dataset = "dns"};
    Json doc = document(r.ts_ns, event, host_name);
    put_process(doc, r.process);
    // The server the process asked: the lookup's destination.
    put_destination(doc, r.server, r.server_port, r.protocol, std::nullopt);
    put(doc, "network.protocol", "dns");
    put(doc, "dns.type", "answer");
    put(doc, "dns.id", std::to_string(r.id));
    put_text(doc, "dns.question.name", r.question);
    put_text(doc, "dns.question.type", r.qtype);
    put_text(doc, "dns.response_code", r.rcode);
    Json answers = Json::array();
    Json resolved = Json::array();
    for (const DnsAnswerEntry& a : r.answers) {
        Json answer = Json::object();
        put_text(answer, "name", a.name);
        put_text(answer, "type", a.type);
        answer["ttl"] = a.ttl;
        // The resource's data: an address, or the name a CNAME points to.
        if (a.address)
            answer["data"] = a.address->to_string();
        else if (!a.target.empty())
            answer["data"] = a.target;
        answers.push_back(std::move(answer));
        if (a.address) resolved.push_back(a.address->to_string());
    }
    if (!answers.empty()) put(doc, "dns.answers", std::move(answers));
    if (!resolved.empty()) put(doc, "dns.resolved_ip", std::move(resolved));
    return doc;
}

}  // namespace egresswatch::ecs
