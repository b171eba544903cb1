#include "procfs/proc_maps.h"

#include <sys/sysmacros.h>

#include <charconv>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <utility>

namespace egresswatch {
namespace {

std::string_view next_field(std::string_view& line) {
    std::size_t start = line.find_first_not_of(' ');
    if (start == std::string_view::npos) {
        line = {};
        return {};
    }
    line.remove_prefix(start);
    std::size_t end = line.find(' ');
    std::string_view field = line.substr(0, end);
    line.remove_prefix(end == std::string_view::npos ? line.size() : end);
    return field;
}

// The whole of 'text' as a number in 'base'.
bool parse_number(std::string_view text, int base, std::uint64_t& out) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
    return ec == std::errc() && end == text.data() + text.size();
}

// "start-end perms offset major:minor inode   path"
std::optional<MappedFile> parse_line(std::string_view line) {
    next_field(line);  // address range
    std::string_view perms = next_field(line);
    next_field(line);  // offset
    std::string_view dev = next_field(line);
    std::string_view inode_text = next_field(line);
    std::size_t path_start = line.find_first_not_of(' ');
    if (perms.size() < 3 || perms[2] != 'x' || path_start == std::string_view::npos) return std::nullopt;
    std::string_view path = line.substr(path_start);
    if (path.front() != '/' || path.ends_with(" (deleted)")) return std::nullopt;
    std::size_t colon = dev.find(':');
    std::uint64_t major = 0, minor = 0, inode = 0;
    if (colon == std::string_view::npos || !parse_number(dev.substr(0, colon), 16, major) ||
        !parse_number(dev.substr(colon + 1), 16, minor) || !parse_number(inode_text, 10, inode) || inode == 0)
        return std::nullopt;
    return MappedFile{std::string(path), makedev(static_cast<unsigned>(major), static_cast<unsigned>(minor)), inode};
}

}  // namespace

std::vector<MappedFile> executable_mappings(std::string_view maps_text) {
    std::vector<MappedFile> out;
    std::set<std::pair<std::uint64_t, std::uint64_t>> seen;
    while (!maps_text.empty()) {
        std::size_t end = maps_text.find('\n');
        std::string_view line = maps_text.substr(0, end);
        maps_text.remove_prefix(end == std::string_view::npos ? maps_text.size() : end + 1);
        if (auto file = parse_line(line); file && seen.emplace(file->device, file->inode).second)
            out.push_back(std::move(*file));
    }
    return out;
}

std::vector<MappedFile> read_executable_mappings(const std::string& proc_root, std::uint32_t pid) {
    std::ifstream in(proc_root + "/" + std::to_string(pid) + "/maps");
    if (!in) return {};
    std::ostringstream text;
    text << in.rdbuf();
    return executable_mappings(text.str());
}

}  // namespace egresswatch
