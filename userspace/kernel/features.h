#pragma once
// The hook types this kernel offers, each found by loading and attaching one small program.
// Probed once per process and cached; `egresswatch doctor` prints it. Whether run and watch
// work is not judged from these: doctor loads the real programs for that (load_and_attach).

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace egresswatch {

struct FeatureProbe {
    std::string name;  // e.g. "cgroup/connect4"
    bool available = false;
    std::string detail;  // why not, or what it is used for
    bool required = false;
};

struct KernelFeatures {
    std::vector<FeatureProbe> probes;
    bool all_required_available() const;
    // For report.json / events.jsonl: name -> "yes" | "no: reason".
    std::map<std::string, std::string> summary() const;
};

// cgroup_path: an existing cgroup v2 directory to attach the cgroup probes to.
const KernelFeatures& probe_kernel_features(const std::string& cgroup_path);

// The kernel feature egresswatch requires that this kernel lacks, in words for a user, if
// the probes find one: asked when a required program was refused, to say why.
std::optional<std::string> missing_kernel_requirement();

// Whether uprobes can be attached as uprobe_multi links (Linux 6.6+). Probed once, cheaply,
// for every session that attaches TLS probes; doctor shows the same probe.
bool probe_uprobe_multi();

}  // namespace egresswatch
