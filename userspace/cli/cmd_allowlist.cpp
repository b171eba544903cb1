// egresswatch allowlist merge|diff|export: work on allowlist files offline, no root needed.
#include <spdlog/spdlog.h>

#include <fstream>
#include <iostream>

#include "allowlist/allowlist_diff.h"
#include "allowlist/allowlist_diff_format.h"
#include "allowlist/allowlist_merge.h"
#include "allowlist/allowlist_writer.h"
#include "allowlist/export/export.h"
#include "base/errors.h"
#include "cli/allowlist_input.h"
#include "cli/commands.h"

namespace egresswatch {
namespace {

// Written whole or not at all: a failed export must not leave half a ruleset behind.
void write_output(const std::string& path, const std::string& text) {
    if (path.empty()) {
        std::cout << text << std::flush;
        return;
    }
    std::string partial = path + ".partial";
    {
        std::ofstream out(partial, std::ios::trunc);
        if (!(out << text) || !out.flush())
            throw SetupError("cannot write " + path + " (check the directory exists and is writable)");
    }
    if (std::rename(partial.c_str(), path.c_str()) != 0) {
        std::remove(partial.c_str());
        throw SetupError("cannot write " + path + " (check the directory exists and is writable)");
    }
}

int merge(const AllowlistOptions& o) {
    std::vector<MergeInput> inputs;
    for (const auto& path : o.inputs) inputs.push_back({read_allowlist_input(path), path});
    Allowlist merged = merge_allowlists(inputs);
    write_output(o.out_path, write_allowlist_yaml(merged, "egress allowlist merged by egresswatch from " +
                                                              std::to_string(inputs.size()) + " files"));
    return 0;
}

int diff(const AllowlistOptions& o) {
    Allowlist before = read_allowlist_input(o.inputs.at(0));
    Allowlist after = read_allowlist_input(o.inputs.at(1));
    auto changes = diff_allowlists(before, after);
    std::cout << (o.json ? render_diff_json(changes).dump(2) + "\n" : render_diff_text(changes)) << std::flush;
    return changes.empty() ? 0 : 1;
}

int export_to(const AllowlistOptions& o) {
    ExportOptions options;
    options.policy_name = o.policy_name;
    options.resolvers = resolver_addresses(o.resolvers);
    ExportResult result = export_allowlist(read_allowlist_input(o.inputs.at(0)), o.format, options);
    for (const auto& warning : result.warnings) spdlog::warn("{}", warning);
    write_output(o.out_path, result.text);
    return 0;
}

}  // namespace

int command_allowlist(const AllowlistOptions& options) {
    switch (options.action) {
    case AllowlistAction::merge: return merge(options);
    case AllowlistAction::diff: return diff(options);
    case AllowlistAction::export_to: return export_to(options);
    }
    return 0;
}

}  // namespace egresswatch
