#include "procfs/mounts.h"

#include <sstream>

namespace egresswatch {
namespace {

std::string unescape_mount_field(const std::string& field) {
    std::string out;
    for (std::size_t i = 0; i < field.size(); ++i) {
        if (field[i] == '\\' && i + 3 < field.size()) {
            const std::string digits = field.substr(i + 1, 3);
            if (digits.find_first_not_of("01234567") == std::string::npos) {
                out.push_back(static_cast<char>(std::stoi(digits, nullptr, 8)));
                i += 3;
                continue;
            }
        }
        out.push_back(field[i]);
    }
    return out;
}

}  // namespace

std::optional<std::string> find_cgroup2_mount(std::istream& mounts) {
    std::string line;
    while (std::getline(mounts, line)) {
        std::istringstream fields(line);
        std::string device, mount_point, fstype;
        if (!(fields >> device >> mount_point >> fstype)) continue;
        if (fstype == "cgroup2") return unescape_mount_field(mount_point);
    }
    return std::nullopt;
}

}  // namespace egresswatch
