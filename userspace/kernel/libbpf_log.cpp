#include "kernel/libbpf_log.h"

#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <string>

namespace egresswatch {
namespace {

// Read by whichever thread libbpf logs from (the TLS attacher has a worker).
std::atomic<int> quiet_depth = 0;
// Messages kept for the LibbpfCapture alive, if any. libbpf may also be called from the TLS
// attacher's worker, hence the lock.
std::mutex capture_mutex;
std::vector<LibbpfMessage>* active_capture = nullptr;

int forward_libbpf_message(enum libbpf_print_level level, const char* format, va_list args) {
    // A verifier log is one message of up to megabytes: measure it first, never truncate
    // the part that says why a program was rejected (its end).
    va_list measure;
    va_copy(measure, args);
    int n = std::vsnprintf(nullptr, 0, format, measure);
    va_end(measure);
    std::string message(n > 0 ? static_cast<std::size_t>(n) + 1 : 0, '\0');
    if (n > 0) std::vsnprintf(message.data(), message.size(), format, args);
    if (!message.empty()) message.pop_back();
    while (!message.empty() && message.back() == '\n') message.pop_back();
    {
        std::lock_guard lock(capture_mutex);
        if (active_capture && level != LIBBPF_DEBUG) active_capture->push_back({level == LIBBPF_WARN, message});
    }
    switch (level) {
    case LIBBPF_WARN:
        if (quiet_depth > 0)
            spdlog::debug("libbpf: {}", message);
        else
            spdlog::warn("libbpf: {}", message);
        break;
    case LIBBPF_INFO: spdlog::debug("libbpf: {}", message); break;
    case LIBBPF_DEBUG: spdlog::trace("libbpf: {}", message); break;
    }
    return n;
}

}  // namespace

void install_libbpf_logger() { libbpf_set_print(forward_libbpf_message); }

QuietLibbpf::QuietLibbpf() { ++quiet_depth; }
QuietLibbpf::~QuietLibbpf() { --quiet_depth; }

LibbpfCapture::LibbpfCapture() {
    std::lock_guard lock(capture_mutex);
    outer_ = active_capture;
    active_capture = &messages_;
}

LibbpfCapture::~LibbpfCapture() {
    std::lock_guard lock(capture_mutex);
    active_capture = outer_;
}

std::vector<LibbpfMessage> LibbpfCapture::messages() const {
    std::lock_guard lock(capture_mutex);
    return messages_;
}

}  // namespace egresswatch
