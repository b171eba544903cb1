#pragma once
// Where alerts go once raised: always one line on stderr; for `watch`, optionally a command,
// a webhook and syslog. Delivery never stops the session: failures are logged, one line each.

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "alerts/alert_webhook.h"
#include "alerts/alert_worker.h"
#include "pipeline/record_sink.h"

namespace egresswatch {

struct AlertDeliveryOptions {
    std::string exec_command;           // --alert-exec
    std::optional<WebhookUrl> webhook;  // --alert-webhook
    bool syslog = false;                // --alert-syslog
};

class AlertDispatch final : public RecordSink {
public:
    AlertDispatch(std::ostream& err, AlertDeliveryOptions options);
    ~AlertDispatch() override;

    void on_alert(const AlertRecord& alert) override;
    // Gives queued deliveries a bounded time to finish; says what was not delivered.
    void finish();

private:
    std::ostream& err_;
    AlertDeliveryOptions options_;
    std::vector<std::unique_ptr<AlertWorker>> workers_;
};

}  // namespace egresswatch
