#include "containers/container_cgroup.h"

#include <sys/stat.h>

#include <filesystem>
#include <stdexcept>

namespace egresswatch {
namespace fs = std::filesystem;

std::optional<ContainerCgroup> find_container_cgroup(const std::string& mount, const std::string& name_or_id,
                                                     ContainerBook& book) {
    if (name_or_id.empty()) return std::nullopt;
    std::optional<ContainerCgroup> found;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(mount, fs::directory_options::skip_permission_denied, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) break;
        if (!it->is_directory(ec)) continue;
        std::string path = "/" + it->path().lexically_relative(mount).string();
        struct stat st {};
        // A cgroup v2 id is the inode number of its directory.
        if (::stat(it->path().c_str(), &st) != 0) continue;
        const ContainerInfo* c = book.lookup(st.st_ino, path);
        if (!c || (c->name != name_or_id && c->id.rfind(name_or_id, 0) != 0)) continue;
        // A container's own sub-cgroups (crun's "container", systemd's init.scope) are the same
        // container: the first, outermost one found is its cgroup.
        if (found && found->container.id == c->id) continue;
        if (found)
            throw std::runtime_error("'" + name_or_id + "' matches more than one container (" + found->container.id +
                                     " and " + c->id + "): give more of the id");
        found = ContainerCgroup{path, *c};
    }
    return found;
}

}  // namespace egresswatch
