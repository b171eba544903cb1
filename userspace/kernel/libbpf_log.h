#pragma once

#include <vector>

#include "kernel/load_failure.h"

namespace egresswatch {

// Routes libbpf's messages through spdlog: warnings as warnings, the rest as debug (-v).
void install_libbpf_logger();

// While alive, libbpf's warnings are logged as debug: a feature probe that fails is an
// answer, not a problem worth a warning.
class QuietLibbpf {
public:
    QuietLibbpf();
    ~QuietLibbpf();
    QuietLibbpf(const QuietLibbpf&) = delete;
    QuietLibbpf& operator=(const QuietLibbpf&) = delete;
};

// While alive, libbpf's messages are kept (and logged as debug, so -v still shows them all):
// a load that fails is diagnosed from them and reported in one line, not as libbpf's pages.
class LibbpfCapture {
public:
    LibbpfCapture();
    ~LibbpfCapture();
    LibbpfCapture(const LibbpfCapture&) = delete;
    LibbpfCapture& operator=(const LibbpfCapture&) = delete;
    std::vector<LibbpfMessage> messages() const;

private:
    QuietLibbpf quiet_;
    std::vector<LibbpfMessage> messages_;
    std::vector<LibbpfMessage>* outer_ = nullptr;  // a capture this one is nested in
};

}  // namespace egresswatch
