#pragma once
// --json-format ecs: events.jsonl and the --json stream as Elastic Common Schema documents, one a
// line and nested as Elasticsearch stores them, so that Filebeat, Elastic Agent or Vector ship
// them unchanged (docs/ecs.md). Every field written is an ECS field with its ECS type; what
// egresswatch knows that ECS has no field for is left out rather than invented. `egresswatch
// report` reads only the native lines (report/jsonl.h).

#include <functional>
#include <ostream>
#include <string>

#include "report/jsonl.h"

namespace egresswatch {

// The ECS release the documents claim: every field written is in its field list (compared by
// hand with ECS 8.11.0's generated fields.csv; the unit tests compare with the newer list in
// ../shared/ecs/fields.csv, so a field added later must be checked against 8.11 again).
inline constexpr const char* kEcsVersion = "8.11.0";

class EcsWriter final : public JsonLineSink {
public:
    // host_name: host.name of every document (local_host_name(), read once by the caller).
    EcsWriter(LineOutput& out, std::string host_name, std::function<void(const std::string&)> on_failure = {})
        : JsonLineSink(out, std::move(on_failure)), host_(std::move(host_name)) {}
    EcsWriter(std::ostream& out, std::string host_name, std::function<void(const std::string&)> on_failure = {})
        : JsonLineSink(out, std::move(on_failure)), host_(std::move(host_name)) {}

    void on_start(const SessionStart& r) override;
    void on_connection(const ConnectionRecord& r) override;
    void on_exec(const ExecRecord& r) override;
    void on_exit(const ExitRecord& r) override;
    // One document per destination: ECS has no field that pairs many addresses with their ports.
    void on_repeat(const RepeatRecord& r) override;
    void on_loss(const LossRecord& r) override;
    void on_stop(const SessionStop& r) override;
    void on_dns(const DnsLookupRecord& r) override;
    void on_tls(const TlsRecord& r) override;
    void on_tls_end(const TlsEndRecord& r) override;
    void on_http(const HttpRecord& r) override;
    void on_alert(const AlertRecord& r) override;

private:
    std::string host_;
};

}  // namespace egresswatch
