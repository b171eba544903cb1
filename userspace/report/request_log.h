#pragma once
// requests.log: one line per HTTP request, made to be grepped:
//   <time> <comm>[<pid>] <METHOD> <host> <path> <status|-> <ms|->ms
// The path is as redacted as in events.jsonl; fields never contain spaces.

#include <functional>
#include <string>

#include "pipeline/record_sink.h"
#include "report/line_output.h"

namespace egresswatch {

std::string request_log_line(const HttpRecord& r);

class RequestLogWriter final : public RecordSink {
public:
    // on_failure: called once, when writing first fails, with the reason.
    explicit RequestLogWriter(LineOutput& out, std::function<void(const std::string&)> on_failure = {})
        : lines_(out, std::move(on_failure)) {}
    void on_http(const HttpRecord& r) override { lines_.add(request_log_line(r)); }
    void on_batch_end() override { lines_.flush(); }
    void on_stop(const SessionStop&) override { lines_.flush(); }
    bool failed() const { return lines_.failed(); }

private:
    LineWriter lines_;
};

}  // namespace egresswatch
