#pragma once
// requests.log: one line per HTTP request, made to be grepped:
//   <time> <comm>[<pid>] <METHOD> <host> <path> <status|-> <ms|->ms
// The path is as redacted as in events.jsonl; fields never contain spaces.

#include <ostream>
#include <string>

#include "core/record_sink.h"

namespace egresswatch {

std::string request_log_line(const HttpRecord& r);

class RequestLogWriter final : public RecordSink {
public:
    explicit RequestLogWriter(std::ostream& out) : out_(out) {}
    void on_http(const HttpRecord& r) override;
    void on_batch_end() override { out_.flush(); }
    void on_stop(const SessionStop&) override { out_.flush(); }

private:
    std::ostream& out_;
};

}  // namespace egresswatch
