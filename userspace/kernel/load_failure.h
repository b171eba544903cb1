#pragma once
// What libbpf said when loading the BPF object failed: which program or map the kernel
// refused, and the kernel's reason in one line (for a verifier rejection, the verifier's
// last words). Pure text handling, so it is tested without a kernel.

#include <string>
#include <vector>

namespace egresswatch {

struct LibbpfMessage {
    bool warning = false;  // libbpf's WARN level; INFO and DEBUG are not
    std::string text;
};

struct LoadFailure {
    std::string object;  // program or map name; empty if no message names one
    bool map = false;
    bool verifier = false;  // the kernel's verifier rejected the program
    // One line: "the verifier rejected <object>: <its last lines>", or libbpf's own words.
    std::string reason;
};

LoadFailure diagnose_load_failure(const std::vector<LibbpfMessage>& messages, int err);

// The verifier's last meaningful lines (its statistics dropped), joined by "; ".
std::string verifier_conclusion(const std::string& log, std::size_t lines = 2);

}  // namespace egresswatch
