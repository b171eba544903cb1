#include "cli/output_dir.h"

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/errors.h"
#include "output/report.h"

namespace egresswatch {
namespace fs = std::filesystem;
namespace {

// Enough for the report and allowlist of all but the largest sessions.
constexpr std::uint64_t kReserveBytes = 4 << 20;

// errno of the step that failed; 0 when the whole content is in the file.
int write_file(const std::string& path, std::string_view content) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return errno;
    int error = 0;
    std::size_t done = 0;
    while (done < content.size()) {
        ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            error = n < 0 ? errno : EIO;
            break;
        }
    }
    // Some filesystems (NFS) say only at close that the data did not fit.
    if (::close(fd) != 0 && error == 0) error = errno;
    return error;
}

// Why the file could not be written, if it could not.
std::optional<std::string> write_atomically(const std::string& path, std::string_view content) {
    std::string tmp = path + ".tmp";
    int error = write_file(tmp, content);
    if (error == 0 && std::rename(tmp.c_str(), path.c_str()) != 0) error = errno;
    if (error == 0) return std::nullopt;
    std::error_code ec;
    fs::remove(tmp, ec);
    return std::string(std::strerror(error)) + (fs::exists(path, ec) ? "; the file there is an earlier one" : "");
}

}  // namespace

std::int64_t wall_clock_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

OutputDir::OutputDir(const std::string& dir) : dir_(dir) {
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec || !fs::is_directory(dir_))
        throw SetupError("cannot write to --out " + dir_ + ": " + (ec ? ec.message() : "not a directory"));
    std::string probe = (fs::path(dir_) / (".egresswatch-write-test-" + std::to_string(::getpid()))).string();
    std::ofstream test(probe);
    if (!test) throw SetupError("cannot write to --out " + dir_ + ": " + std::strerror(errno));
    test.close();
    fs::remove(probe, ec);
}

std::string OutputDir::file(std::string_view name) const { return (fs::path(dir_) / name).string(); }

void OutputDir::open_events() {
    events_ = LineFile(file("events.jsonl"));
    requests_ = LineFile(file("requests.log"));
    reserve_ = SpaceReserve(dir_, kReserveBytes);
    spdlog::debug("{} bytes held back on {} for the report", reserve_.bytes(), dir_);
}

std::vector<OutputDir::NotWritten> OutputDir::write_results(const Aggregator& agg, std::optional<ScopeFilter> scope,
                                                            std::int64_t now_ns) const {
    ReportOptions report{scope.value_or(ScopeFilter::all), now_ns};
    ReportOptions allowlist{scope.value_or(kDefaultAllowlistScope), now_ns};
    std::vector<NotWritten> failed;
    if (auto why = write_atomically(file("report.json"),
                                    build_report(agg, report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"))
        failed.push_back({"report.json", *why});
    if (auto why = write_atomically(file("allowlist.yaml"), build_allowlist_yaml(agg, allowlist)))
        failed.push_back({"allowlist.yaml", *why});
    spdlog::debug("wrote {} of report.json and allowlist.yaml in {}", 2 - failed.size(), dir_);
    return failed;
}

std::string OutputDir::describe(const std::vector<NotWritten>& files) const {
    std::string text;
    for (const NotWritten& f : files) text += (text.empty() ? "" : ", ") + file(f.name) + " (" + f.why + ")";
    return text;
}

}  // namespace egresswatch
