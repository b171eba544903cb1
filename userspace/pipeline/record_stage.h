#pragma once
// A stage between the flow inspector and the sinks (pipeline.h): it sees every public record,
// passes each on unchanged, and may add records of its own right after the one that caused
// them (the alert stage adds an alert after the connection that raised it). What a stage does
// not override passes straight through, so none is dropped by omission.

#include <string_view>

#include "pipeline/record_sink.h"

namespace egresswatch {

class RecordStage : public RecordSink {
public:
    // What the stage is called in the pipeline's stage list (docs/how-it-works.md).
    virtual std::string_view stage_name() const = 0;
    // Set once, before the first record: by the pipeline that runs the stage, or a test.
    void pass_to(RecordSink& next) { next_ = &next; }

    void on_start(const SessionStart& r) override { next().on_start(r); }
    void on_connection(const ConnectionRecord& r) override { next().on_connection(r); }
    void on_exec(const ExecRecord& r) override { next().on_exec(r); }
    void on_exit(const ExitRecord& r) override { next().on_exit(r); }
    void on_repeat(const RepeatRecord& r) override { next().on_repeat(r); }
    void on_dns(const DnsLookupRecord& r) override { next().on_dns(r); }
    void on_tls(const TlsRecord& r) override { next().on_tls(r); }
    void on_tls_end(const TlsEndRecord& r) override { next().on_tls_end(r); }
    void on_http(const HttpRecord& r) override { next().on_http(r); }
    void on_batch_end() override { next().on_batch_end(); }
    void on_loss(const LossRecord& r) override { next().on_loss(r); }
    void on_alert(const AlertRecord& r) override { next().on_alert(r); }
    void on_stop(const SessionStop& r) override { next().on_stop(r); }

protected:
    RecordSink& next() { return *next_; }

private:
    RecordSink* next_ = nullptr;
};

}  // namespace egresswatch
