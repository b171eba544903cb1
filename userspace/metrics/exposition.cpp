#include "metrics/exposition.h"

#include <cmath>
#include <cstdio>

namespace egresswatch {

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

namespace {

// Integers (every counter but the CPU seconds) print whole, as the format's examples do;
// other values with enough digits to round-trip.
std::string format_value(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    char buf[64];
    if (v == std::floor(v) && std::fabs(v) < 1e15)
        std::snprintf(buf, sizeof(buf), "%.0f", v);
    else
        std::snprintf(buf, sizeof(buf), "%.17g", v);
    return buf;
}

}  // namespace

std::string render_exposition(const std::vector<MetricFamily>& families) {
    std::string out;
    for (const MetricFamily& f : families) {
        if (f.samples.empty()) continue;
        out += "# HELP " + f.name + " " + f.help + "\n";
        out += "# TYPE " + f.name + (f.type == MetricType::counter ? " counter\n" : " gauge\n");
        for (const Sample& s : f.samples) {
            out += f.name;
            if (!s.labels.empty()) {
                out += '{';
                for (std::size_t i = 0; i < s.labels.size(); ++i) {
                    if (i) out += ',';
                    out += s.labels[i].first + "=\"" + escape_label_value(s.labels[i].second) + '"';
                }
                out += '}';
            }
            out += ' ' + format_value(s.value) + '\n';
        }
    }
    return out;
}

}  // namespace egresswatch
