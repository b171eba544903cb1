#pragma once
// Prometheus' text exposition format (version 0.0.4): metric families with their HELP and
// TYPE lines, and samples with escaped label values.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace egresswatch {

enum class MetricType { counter, gauge };

struct Sample {
    std::vector<std::pair<std::string, std::string>> labels;  // name, value
    double value = 0;
};

struct MetricFamily {
    std::string name;  // egresswatch_..., with _total for counters
    std::string help;
    MetricType type = MetricType::counter;
    std::vector<Sample> samples;
};

// The families in the given order, each with its HELP and TYPE. A family without samples is
// left out: a scraper cannot tell it from one never exported.
std::string render_exposition(const std::vector<MetricFamily>& families);

// A label value as the format quotes it: backslash, double quote and newline escaped.
std::string escape_label_value(std::string_view value);

}  // namespace egresswatch
