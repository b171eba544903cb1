#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/subprocess.h"
#include "procfs/mounts.h"
#include "procfs/proc_reader.h"

using namespace egresswatch;
namespace fs = std::filesystem;

namespace {
void write(const fs::path& p, const std::string& content) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
}
}  // namespace

TEST(ProcReader, ParsesCommWithSpacesAndParens) {
    fs::path root = test::make_temp_dir("ew-proc-");
    write(root / "321/stat", "321 (my (odd) name) S 123 321 321 0 -1 4194560 0 0\n");
    write(root / "321/cmdline", std::string("python3\0-m\0http.server\0", 23));
    fs::create_symlink("/usr/bin/python3.11 (deleted)", root / "321/exe");
    auto p = read_proc_process(root.string(), 321);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->comm, "my (odd) name");
    EXPECT_EQ(p->ppid, 123u);
    EXPECT_EQ(p->exe, "/usr/bin/python3.11");
    EXPECT_EQ(p->argv, (std::vector<std::string>{"python3", "-m", "http.server"}));
    EXPECT_FALSE(read_proc_process(root.string(), 999));
    fs::create_directories(root / "self");
    EXPECT_EQ(list_proc_pids(root.string()), (std::vector<std::uint32_t>{321}));
    fs::remove_all(root);
}

TEST(ProcReader, SeedsFromTheRealProc) {
    ProcessTable t;
    seed_from_proc(t, "/proc");
    const ProcessInfo* self = t.find(static_cast<std::uint32_t>(getpid()));
    ASSERT_NE(self, nullptr);
    EXPECT_NE(self->exe.find("unit_tests"), std::string::npos);
}

TEST(ProcReader, AbsoluteExePath) {
    EXPECT_EQ(absolute_exe_path("./deploy.sh", "/srv/app"), "/srv/app/deploy.sh");
    EXPECT_EQ(absolute_exe_path("../bin/x", "/srv/app"), "/srv/bin/x");
    EXPECT_EQ(absolute_exe_path("/usr/bin/curl", "/srv"), "/usr/bin/curl");
    EXPECT_EQ(absolute_exe_path("./x", ""), "./x");
}

TEST(Mounts, FindsCgroup2AndDecodesEscapes) {
    std::istringstream hybrid("sysfs /sys sysfs rw 0 0\n"
                              "cgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0\n"
                              "cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n");
    EXPECT_EQ(find_cgroup2_mount(hybrid), "/sys/fs/cgroup/unified");
    std::istringstream spaced("none /mnt/my\\040cgroups cgroup2 rw 0 0\n");
    EXPECT_EQ(find_cgroup2_mount(spaced), "/mnt/my cgroups");
    std::istringstream v1only("cgroup /sys/fs/cgroup/cpu cgroup rw 0 0\n");
    EXPECT_FALSE(find_cgroup2_mount(v1only));
}
