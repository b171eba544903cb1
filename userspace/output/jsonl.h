#pragma once
// events.jsonl: one JSON object a line, "type" first. The same functions serve the live
// stream (--json) and `egresswatch report`, which reads the file back.

#include <functional>
#include <istream>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "core/record_sink.h"

namespace egresswatch {

using Json = nlohmann::ordered_json;

Json to_json(const SessionStart& r);
Json to_json(const ConnectionRecord& r);
Json to_json(const ExecRecord& r);
Json to_json(const ExitRecord& r);
Json to_json(const RepeatRecord& r);
Json to_json(const LossRecord& r);
Json to_json(const SessionStop& r);
Json to_json(const DnsLookupRecord& r);
Json to_json(const TlsRecord& r);
Json to_json(const HttpRecord& r);
Json to_json(const AlertRecord& r);

// Writes each record as one line, and flushes at the end of each batch and of the session,
// so a crash loses at most the batch in flight.
class JsonlWriter final : public RecordSink {
public:
    // on_failure: called once, when writing to `out` first fails (stdout closed, disk full);
    // records after it are not written there.
    explicit JsonlWriter(std::ostream& out, std::function<void()> on_failure = {})
        : out_(out), on_failure_(std::move(on_failure)) {}
    void on_start(const SessionStart& r) override { write(to_json(r)); }
    void on_connection(const ConnectionRecord& r) override { write(to_json(r)); }
    void on_exec(const ExecRecord& r) override { write(to_json(r)); }
    void on_exit(const ExitRecord& r) override { write(to_json(r)); }
    void on_repeat(const RepeatRecord& r) override { write(to_json(r)); }
    void on_loss(const LossRecord& r) override { write(to_json(r)); }
    void on_stop(const SessionStop& r) override {
        write(to_json(r));
        flush();
    }
    void on_batch_end() override { flush(); }
    void on_dns(const DnsLookupRecord& r) override { write(to_json(r)); }
    void on_tls(const TlsRecord& r) override { write(to_json(r)); }
    void on_http(const HttpRecord& r) override { write(to_json(r)); }
    void on_alert(const AlertRecord& r) override { write(to_json(r)); }

private:
    void write(const Json& j);
    void flush();
    void check();
    std::ostream& out_;
    std::function<void()> on_failure_;
    bool failed_ = false;
};

struct ReplayResult {
    std::size_t lines = 0;
    std::size_t skipped = 0;       // unknown types: newer writers may add some
    std::size_t first_bad_line = 0;  // 0 when every line parsed
    std::string error;
};

// Feeds every record of an events.jsonl stream to the sink. Stops at the first line that is
// not valid JSON or lacks a required field, and says which.
ReplayResult replay_jsonl(std::istream& in, RecordSink& sink);

}  // namespace egresswatch
