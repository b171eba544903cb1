#pragma once
// What this kernel lets egresswatch do, found by loading and attaching real programs.
// Probed once per process and cached; `egresswatch doctor` prints it.

#include <map>
#include <string>
#include <vector>

namespace egresswatch {

struct FeatureProbe {
    std::string name;     // e.g. "cgroup/connect4"
    bool available = false;
    std::string detail;   // why not, or what it is used for
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

// Whether uprobes can be attached as uprobe_multi links (Linux 6.6+). Probed once, cheaply,
// for every session that attaches TLS probes; doctor shows the same probe.
bool probe_uprobe_multi();

// Which hook each job uses on this kernel, given the probes (doctor's list).
std::vector<std::pair<std::string, std::string>> chosen_hooks(const KernelFeatures& features);

// The hooks a session attached, by job key (connections, datagrams, process_lineage,
// payload, transport): the start record's kernel_features. Same wording as chosen_hooks.
std::map<std::string, std::string> hooks_in_use(bool payload, bool tls);

}  // namespace egresswatch
