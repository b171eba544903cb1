#include "bpf/libbpf_log.h"

#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>

#include <cstdarg>
#include <cstdio>
#include <string>

namespace egresswatch {
namespace {

int quiet_depth = 0;

int forward_libbpf_message(enum libbpf_print_level level, const char* format, va_list args) {
    char buf[2048];
    int n = std::vsnprintf(buf, sizeof(buf), format, args);
    std::string message(buf, n > 0 ? std::min<std::size_t>(static_cast<std::size_t>(n), sizeof(buf) - 1) : 0);
    while (!message.empty() && message.back() == '\n') message.pop_back();
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

}  // namespace egresswatch

namespace egresswatch {
QuietLibbpf::QuietLibbpf() { ++quiet_depth; }
QuietLibbpf::~QuietLibbpf() { --quiet_depth; }
}  // namespace egresswatch
