#pragma once
// Consumers of the public records: what events.jsonl, the --json stream, requests.log and
// report.json are made of (records.h). The kernel's payload and TLS plaintext never reach
// them: the flow inspector consumes those (kernel_record_sink.h).

#include <vector>

#include "pipeline/records.h"

namespace egresswatch {

class RecordSink {
public:
    virtual ~RecordSink() = default;
    virtual void on_start(const SessionStart&) {}
    virtual void on_connection(const ConnectionRecord&) {}
    virtual void on_exec(const ExecRecord&) {}
    virtual void on_exit(const ExitRecord&) {}
    virtual void on_repeat(const RepeatRecord&) {}
    virtual void on_dns(const DnsLookupRecord&) {}
    virtual void on_tls(const TlsRecord&) {}
    virtual void on_http(const HttpRecord&) {}
    virtual void on_tls_end(const TlsEndRecord&) {}
    // The records handed over so far form one batch (one ring buffer drain): writers
    // flush here rather than after every line, which at tens of thousands of records a
    // second would cost a write(2) each.
    virtual void on_batch_end() {}
    virtual void on_loss(const LossRecord&) {}
    // Raised by the alert stage (alerts/baseline_alerter.h), right after the connection.
    virtual void on_alert(const AlertRecord&) {}
    virtual void on_stop(const SessionStop&) {}
};

// The last stage: hands every record to each sink, in the order they were added.
class SinkFanout final : public RecordSink {
public:
    void add(RecordSink& sink) { sinks_.push_back(&sink); }
    void on_start(const SessionStart& r) override {
        for (auto* s : sinks_) s->on_start(r);
    }
    void on_connection(const ConnectionRecord& r) override {
        for (auto* s : sinks_) s->on_connection(r);
    }
    void on_exec(const ExecRecord& r) override {
        for (auto* s : sinks_) s->on_exec(r);
    }
    void on_exit(const ExitRecord& r) override {
        for (auto* s : sinks_) s->on_exit(r);
    }
    void on_repeat(const RepeatRecord& r) override {
        for (auto* s : sinks_) s->on_repeat(r);
    }
    void on_dns(const DnsLookupRecord& r) override {
        for (auto* s : sinks_) s->on_dns(r);
    }
    void on_tls(const TlsRecord& r) override {
        for (auto* s : sinks_) s->on_tls(r);
    }
    void on_http(const HttpRecord& r) override {
        for (auto* s : sinks_) s->on_http(r);
    }
    void on_tls_end(const TlsEndRecord& r) override {
        for (auto* s : sinks_) s->on_tls_end(r);
    }
    void on_batch_end() override {
        for (auto* s : sinks_) s->on_batch_end();
    }
    void on_loss(const LossRecord& r) override {
        for (auto* s : sinks_) s->on_loss(r);
    }
    void on_alert(const AlertRecord& r) override {
        for (auto* s : sinks_) s->on_alert(r);
    }
    void on_stop(const SessionStop& r) override {
        for (auto* s : sinks_) s->on_stop(r);
    }

private:
    std::vector<RecordSink*> sinks_;
};

}  // namespace egresswatch
