#pragma once
// The one writer of allowlist.yaml: what `run`, `watch` and `report` record (report/ builds
// the model from a session) and what `allowlist merge` writes back. Keys in schema order, one
// item per line, so a merged file diffs cleanly against a recorded one.
//
// It writes as it goes: the recorder hands it one entry at a time, so that writing the file
// adds little to what observing holds (report.h says what building it whole cost).

#include <ostream>
#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "allowlist/allowlist.h"

namespace egresswatch {

// How an empty `processes` list is laid out; both read back the same. Kept apart so that
// neither file changed when the recorder and merge came to share this writer.
enum class EmptyListLayout {
    on_key_line,  // "processes: []": what merge writes
    below_key,    // "processes:" then "[]" on the next line: what the recorder has always written
};

class AllowlistYamlWriter {
public:
    // Writes `comment` as the first line (after "# "), then the header fields of `header`
    // (version, generated, scope); its destinations are not written, add() writes entries.
    AllowlistYamlWriter(std::ostream& out, std::string_view comment, const Allowlist& header,
                        EmptyListLayout empty_lists = EmptyListLayout::on_key_line);
    AllowlistYamlWriter(const AllowlistYamlWriter&) = delete;
    AllowlistYamlWriter& operator=(const AllowlistYamlWriter&) = delete;

    void add(const AllowEntry& entry);
    // Ends the document. Nothing may be added after it.
    void finish();

private:
    void write_list(const char* key, const std::vector<std::string>& items);

    std::ostream& stream_;
    // On the stream itself: one on a string would hold the whole file.
    YAML::Emitter out_;
    EmptyListLayout empty_lists_;
};

// A whole model, as merge writes it.
std::string write_allowlist_yaml(const Allowlist& list, std::string_view comment);

}  // namespace egresswatch
