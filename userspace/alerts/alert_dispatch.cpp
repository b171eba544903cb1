#include "alerts/alert_dispatch.h"

#include <spdlog/spdlog.h>
#include <syslog.h>

#include "alerts/alert_exec.h"
#include "report/jsonl.h"

namespace egresswatch {

AlertDispatch::AlertDispatch(std::ostream& err, AlertDeliveryOptions options)
    : err_(err), options_(std::move(options)) {
    if (!options_.exec_command.empty()) {
        std::string command = options_.exec_command;
        workers_.push_back(std::make_unique<AlertWorker>(
            "--alert-exec", [command](const AlertJob& job) { return run_alert_command(command, job); }));
    }
    if (options_.webhook) {
        WebhookUrl url = *options_.webhook;
        workers_.push_back(std::make_unique<AlertWorker>(
            "--alert-webhook", [url](const AlertJob& job) { return post_webhook(url, job.json); }));
    }
    // syslog(3) writes a datagram to /dev/log and does not wait for the daemon, so it needs
    // no worker; LOG_DAEMON because egresswatch is a monitor, not an authentication service.
    if (options_.syslog) ::openlog("egresswatch", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

AlertDispatch::~AlertDispatch() {
    finish();
    if (options_.syslog) ::closelog();
}

void AlertDispatch::on_alert(const AlertRecord& alert) {
    std::string text = alert_text(alert);
    err_ << "egresswatch: alert: " << text << std::endl;
    if (options_.syslog) ::syslog(LOG_WARNING, "alert: %s (baseline %s)", text.c_str(), alert.baseline.c_str());
    if (workers_.empty()) return;
    std::string json = json_line(to_json(alert));
    for (auto& w : workers_) w->submit(AlertJob{alert, json});
}

void AlertDispatch::finish() {
    for (auto& w : workers_) {
        w->stop();
        if (w->failed() || w->dropped())
            spdlog::warn("{}: {} alert(s) delivered, {} failed, {} dropped", w->name(), w->delivered(), w->failed(),
                         w->dropped());
    }
    workers_.clear();
}

}  // namespace egresswatch
