#pragma once
// events.jsonl: one JSON object a line, "type" first. The same functions serve the live
// stream (--json) and `egresswatch report`, which reads the file back. Each record's to_json
// is in report/jsonl/, in one file with its reader (report/jsonl/codecs.h).

#include <functional>
#include <istream>
#include <memory>
#include <ostream>
#include <string>

#include "base/json.h"
#include "pipeline/record_sink.h"
#include "report/line_output.h"

namespace egresswatch {

Json to_json(const SessionStart& r);
Json to_json(const ConnectionRecord& r);
Json to_json(const ExecRecord& r);
Json to_json(const ExitRecord& r);
Json to_json(const RepeatRecord& r);
Json to_json(const LossRecord& r);
Json to_json(const SessionStop& r);
Json to_json(const DnsLookupRecord& r);
Json to_json(const TlsRecord& r);
Json to_json(const TlsEndRecord& r);
Json to_json(const HttpRecord& r);
Json to_json(const AlertRecord& r);

// Writes each record as one JSON line, and flushes at the end of each batch and of the session,
// so a crash loses at most the batch in flight. A line is written whole or not at all. What
// each line holds is the subclass's: events.jsonl's own lines (JsonlWriter, below), or ECS
// documents (report/ecs/).
class JsonLineSink : public RecordSink {
public:
    void on_batch_end() override { lines_.flush(); }

    bool failed() const { return lines_.failed(); }
    // Event records (all but start, lost and stop) that the output does not hold.
    std::uint64_t unwritten() const { return lines_.dropped(); }

protected:
    // on_failure: called once, when writing first fails (stdout closed, disk full), with the
    // reason; records after it are not written there, and are counted by unwritten().
    JsonLineSink(LineOutput& out, std::function<void(const std::string&)> on_failure)
        : lines_(out, std::move(on_failure)) {}
    JsonLineSink(std::ostream& out, std::function<void(const std::string&)> on_failure)
        : stream_(std::make_unique<StreamOutput>(out)), lines_(*stream_, std::move(on_failure)) {}
    // account: start, lost and stop lines, still tried after a failure: a lost line that gets
    // written says what the file lacks.
    void write(const Json& j, LineWriter::Kind kind = LineWriter::Kind::record);
    void flush() { lines_.flush(); }

private:
    std::unique_ptr<StreamOutput> stream_;  // when given a stream
    LineWriter lines_;
};

// events.jsonl's own lines, which `egresswatch report` reads back.
class JsonlWriter final : public JsonLineSink {
public:
    explicit JsonlWriter(LineOutput& out, std::function<void(const std::string&)> on_failure = {})
        : JsonLineSink(out, std::move(on_failure)) {}
    explicit JsonlWriter(std::ostream& out, std::function<void(const std::string&)> on_failure = {})
        : JsonLineSink(out, std::move(on_failure)) {}
    void on_start(const SessionStart& r) override { write(to_json(r), LineWriter::Kind::account); }
    void on_connection(const ConnectionRecord& r) override { write(to_json(r)); }
    void on_exec(const ExecRecord& r) override { write(to_json(r)); }
    void on_exit(const ExitRecord& r) override { write(to_json(r)); }
    void on_repeat(const RepeatRecord& r) override { write(to_json(r)); }
    void on_loss(const LossRecord& r) override { write(to_json(r), LineWriter::Kind::account); }
    void on_stop(const SessionStop& r) override {
        write(to_json(r), LineWriter::Kind::account);
        flush();
    }
    void on_dns(const DnsLookupRecord& r) override { write(to_json(r)); }
    void on_tls(const TlsRecord& r) override { write(to_json(r)); }
    void on_tls_end(const TlsEndRecord& r) override { write(to_json(r)); }
    void on_http(const HttpRecord& r) override { write(to_json(r)); }
    void on_alert(const AlertRecord& r) override { write(to_json(r)); }
};

struct ReplayResult {
    std::size_t lines = 0;
    std::size_t skipped = 0;         // unknown types: newer writers may add some
    std::size_t first_bad_line = 0;  // 0 when every line parsed
    std::string error;
    // A last line without its '\n' that is not JSON is what a writer stopped mid-line leaves:
    // it is left out, and this says which it was (0: none).
    std::size_t cut_last_line = 0;
};

// Far above any line egresswatch writes: Linux limits a command line to 6 MiB, and JSON at
// most sextuples a byte (\u0001). A longer line is refused once this much of it is read.
inline constexpr std::size_t kMaxJsonlLine = std::size_t{64} << 20;

// Feeds every record of an events.jsonl stream to the sink. Stops at the first line that is
// not valid JSON, lacks a required field or holds a value out of its range, and says which.
ReplayResult replay_jsonl(std::istream& in, RecordSink& sink, std::size_t max_line = kMaxJsonlLine);

}  // namespace egresswatch
