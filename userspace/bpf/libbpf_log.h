#pragma once

namespace egresswatch {

// Routes libbpf's messages through spdlog: warnings as warnings, the rest as debug (-v).
void install_libbpf_logger();

}  // namespace egresswatch

namespace egresswatch {

// While alive, libbpf's warnings are logged as debug: a feature probe that fails is an
// answer, not a problem worth a warning.
class QuietLibbpf {
public:
    QuietLibbpf();
    ~QuietLibbpf();
    QuietLibbpf(const QuietLibbpf&) = delete;
    QuietLibbpf& operator=(const QuietLibbpf&) = delete;
};

}  // namespace egresswatch
