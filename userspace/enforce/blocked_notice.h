#pragma once
// `run --enforce`: one stderr line for each connect or datagram the kernel refused, or let
// through unchecked (fail-open), as it happens, so that whoever watches a job's log sees
// why a download failed next to the error the command printed.

#include <ostream>
#include <string>

#include "pipeline/record_sink.h"

namespace egresswatch {

// "blocked connect curl[1234] (/usr/bin/curl) -> evil.test (198.18.0.9):80/tcp", without
// the "egresswatch: " prefix; "unverified send ..." for fail-open.
std::string blocked_notice_text(const ConnectionRecord& r);

// Subscribe it after the flow inspector, which gives blocked attempts their DNS name.
class BlockedNotice final : public RecordSink {
public:
    explicit BlockedNotice(std::ostream& err) : err_(err) {}
    void on_connection(const ConnectionRecord& r) override;

private:
    std::ostream& err_;
};

}  // namespace egresswatch
