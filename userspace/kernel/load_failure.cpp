#include "kernel/load_failure.h"

#include <cstring>
#include <regex>
#include <sstream>

namespace egresswatch {
namespace {

constexpr const char* kLogBegin = "-- BEGIN PROG LOAD LOG --";
constexpr const char* kLogEnd = "-- END PROG LOAD LOG --";

// libbpf prefixes its messages with "libbpf: " (the text may carry it twice).
std::string without_prefix(std::string text) {
    while (text.rfind("libbpf: ", 0) == 0) text.erase(0, 8);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

// libbpf ends many messages with a negative errno: say what it means.
std::string with_errno_text(std::string text) {
    static const std::regex trailing(R"(:? ?(-\d+)\)?$)");
    std::smatch m;
    if (std::regex_search(text, m, trailing)) {
        int err = -std::stoi(m[1].str());
        if (err > 0 && err < 4096) {
            const char* meaning = std::strerror(err);
            if (text.find(meaning) == std::string::npos) text += " (" + std::string(meaning) + ")";
        }
    }
    return text;
}

bool statistics_line(const std::string& line) {
    return line.empty() || line.rfind("processed ", 0) == 0 || line.rfind("verification time", 0) == 0 ||
           line.rfind("stack depth", 0) == 0;
}

}  // namespace

std::string verifier_conclusion(const std::string& log, std::size_t lines) {
    std::vector<std::string> kept;
    std::istringstream in(log);
    for (std::string line; std::getline(in, line);) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        if (!statistics_line(line)) kept.push_back(line);
    }
    std::string out;
    std::size_t from = kept.size() > lines ? kept.size() - lines : 0;
    for (std::size_t i = from; i < kept.size(); ++i) out += (out.empty() ? "" : "; ") + kept[i];
    return out;
}

LoadFailure diagnose_load_failure(const std::vector<LibbpfMessage>& messages, int err) {
    static const std::regex program(R"(prog '([^']+)': (.*))");
    static const std::regex map(R"(map '([^']+)': (failed to create.*))");
    LoadFailure failure;
    std::string first_words;
    for (const LibbpfMessage& m : messages) {
        if (!m.warning) continue;
        std::string text = without_prefix(m.text);
        std::smatch match;
        if (failure.object.empty()) {
            if (std::regex_search(text, match, program)) {
                failure.object = match[1].str();
                first_words = match[2].str();
            } else if (std::regex_search(text, match, map)) {
                failure.object = match[1].str();
                failure.map = true;
                first_words = match[2].str();
            }
        }
        // The verifier's log of the refused program.
        std::size_t begin = text.find(kLogBegin);
        if (!failure.object.empty() && !failure.map && begin != std::string::npos &&
            text.find("prog '" + failure.object + "'") != std::string::npos) {
            std::size_t body = begin + std::strlen(kLogBegin);
            std::size_t end = text.find(kLogEnd, body);
            std::string log = text.substr(body, end == std::string::npos ? std::string::npos : end - body);
            std::string conclusion = verifier_conclusion(log);
            if (!conclusion.empty()) {
                failure.verifier = true;
                failure.reason = "the verifier rejected " + failure.object + ": " + conclusion;
            }
        }
    }
    if (failure.reason.empty()) {
        if (failure.object.empty())
            failure.reason =
                std::string("libbpf could not load the BPF object: ") + std::strerror(err < 0 ? -err : err);
        else if (std::smatch m;
                 std::regex_search(first_words, m, std::regex(R"(find kernel BTF type ID of '([^']+)')")))
            // The hook itself is missing: the kernel has no such function or tracepoint.
            failure.reason = failure.object + " needs " + m[1].str() + ", which this kernel does not have";
        else
            failure.reason = (failure.map ? "map " : "") + failure.object + ": " + with_errno_text(first_words);
    }
    return failure;
}

}  // namespace egresswatch
