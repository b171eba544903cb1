#pragma once
// What the enricher makes of kernel events, for the flow inspector: the records the inspector
// may hold back and name (connects, and the repeats that must not overtake them), the process
// records it passes on, and the kernel's payload and TLS plaintext, which it turns into DNS,
// TLS and HTTP records and which are never written out themselves.

#include "pipeline/records.h"

namespace egresswatch {

// Defaults ignore: the flow inspector overrides every one; a test may take only what it checks.
class KernelRecordSink {
public:
    virtual ~KernelRecordSink() = default;
    virtual void on_connection(const ConnectionRecord&) {}
    virtual void on_exec(const ExecRecord&) {}
    virtual void on_exit(const ExitRecord&) {}
    virtual void on_repeat(const RepeatRecord&) {}
    virtual void on_payload(const PayloadRecord&) {}
    virtual void on_tls_data(const TlsDataRecord&) {}
    virtual void on_tls_bind(const TlsBindRecord&) {}
};

}  // namespace egresswatch
