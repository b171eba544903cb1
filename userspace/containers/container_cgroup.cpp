#include "containers/container_cgroup.h"

#include <sys/stat.h>

#include <filesystem>
#include <stdexcept>

namespace egresswatch {
namespace fs = std::filesystem;

namespace {

// Calls `visit(path, container)` for every cgroup below `mount` that is a container's.
template <typename Visit>
void for_each_container_cgroup(const std::string& mount, ContainerBook& book, Visit visit) {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(mount, fs::directory_options::skip_permission_denied, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) break;
        if (!it->is_directory(ec)) continue;
        std::string path = "/" + it->path().lexically_relative(mount).string();
        struct stat st {};
        // A cgroup v2 id is the inode number of its directory.
        if (::stat(it->path().c_str(), &st) != 0) continue;
        if (const ContainerInfo* c = book.lookup(st.st_ino, path)) visit(path, *c);
    }
}

}  // namespace

std::optional<ContainerCgroup> find_container_cgroup(const std::string& mount, const std::string& name_or_id,
                                                     ContainerBook& book) {
    if (name_or_id.empty()) return std::nullopt;
    std::optional<ContainerCgroup> found;
    for_each_container_cgroup(mount, book, [&](const std::string& path, const ContainerInfo& c) {
        if (c.name != name_or_id && c.id.rfind(name_or_id, 0) != 0) return;
        // A container's own sub-cgroups (crun's "container", systemd's init.scope) are the same
        // container: the first, outermost one found is its cgroup.
        if (found && found->container.id == c.id) return;
        if (found)
            throw std::runtime_error("'" + name_or_id + "' matches more than one container (" + found->container.id +
                                     " and " + c.id + "): give more of the id");
        found = ContainerCgroup{path, c};
    });
    return found;
}

std::optional<std::string> find_pod_cgroup(const std::string& mount, const std::string& pod_namespace,
                                           const std::string& pod_name, ContainerBook& book) {
    std::optional<std::string> pod;
    std::string first_container;
    for_each_container_cgroup(mount, book, [&](const std::string& path, const ContainerInfo& c) {
        if (!c.pod || c.pod->namespace_name != pod_namespace || c.pod->name != pod_name) return;
        std::string parent = fs::path(path).parent_path().string();
        // A sub-cgroup of a container already found sits below the pod's cgroup.
        if (pod && (parent == *pod || parent.starts_with(*pod + "/"))) return;
        if (pod)
            throw std::runtime_error("pod " + pod_namespace + "/" + pod_name + " has containers in " + *pod + " and " +
                                     parent + ": watch one of them with --cgroup");
        pod = parent;
    });
    return pod;
}

}  // namespace egresswatch
