#include "cli/output_dir.h"

#include <spdlog/spdlog.h>

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

#include "base/errors.h"
#include "report/report.h"

namespace egresswatch {
namespace fs = std::filesystem;
namespace {

// Enough for the report and allowlist of all but the largest sessions.
constexpr std::uint64_t kReserveBytes = 4 << 20;

// errno of the step that failed; 0 when all that `write` wrote is in the file.
int write_file(const std::string& path, const std::function<void(std::ostream&)>& write) {
    std::ofstream out(path, std::ios::trunc | std::ios::binary);
    if (!out) return errno ? errno : EIO;
    errno = 0;
    write(out);
    out.flush();
    // Some filesystems (NFS) say only at close that the data did not fit.
    if (out) out.close();
    return out ? 0 : errno ? errno : EIO;
}

// Why the file could not be written, if it could not.
std::optional<std::string> write_path_atomically(const std::string& path,
                                                 const std::function<void(std::ostream&)>& write) {
    std::string tmp = path + ".tmp";
    int error = write_file(tmp, write);
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
    created_ = fs::create_directories(dir_, ec);
    if (ec || !fs::is_directory(dir_))
        throw SetupError("cannot write to --out " + dir_ + ": " + (ec ? ec.message() : "not a directory"));
    std::string probe = (fs::path(dir_) / (".egresswatch-write-test-" + std::to_string(::getpid()))).string();
    std::ofstream test(probe);
    if (!test) throw SetupError("cannot write to --out " + dir_ + ": " + std::strerror(errno));
    test.close();
    fs::remove(probe, ec);
}

std::string OutputDir::file(std::string_view name) const { return (fs::path(dir_) / name).string(); }

std::optional<std::string> OutputDir::write_atomically(std::string_view name,
                                                       const std::function<void(std::ostream&)>& write) const {
    return write_path_atomically(file(name), write);
}

void OutputDir::open_events(const RotationPolicy& rotation) {
    events_.open(dir_, "events.jsonl", rotation);
    requests_.open(dir_, "requests.log", rotation);
    reserve_ = SpaceReserve(dir_, kReserveBytes);
    spdlog::debug("{} bytes held back on {} for the report", reserve_.bytes(), dir_);
}

void OutputDir::reopen_events() {
    events_.reopen();
    requests_.reopen();
}

void OutputDir::discard_events() {
    events_.close();
    requests_.close();
    reserve_ = SpaceReserve();
    std::error_code ec;
    for (const char* name : {"events.jsonl", "requests.log"}) fs::remove(file(name), ec);
    if (created_) fs::remove(dir_, ec);  // only if empty
}

std::vector<OutputDir::NotWritten> OutputDir::write_results(const Aggregator& agg, std::optional<ScopeFilter> scope,
                                                            std::int64_t now_ns) const {
    ReportOptions report{scope.value_or(ScopeFilter::all), now_ns};
    ReportOptions allowlist{scope.value_or(kDefaultAllowlistScope), now_ns};
    std::vector<NotWritten> failed;
    // Streamed: report.json at 100k destinations is tens of MB, never held whole.
    if (auto why =
            write_path_atomically(file("report.json"), [&](std::ostream& out) { write_report(out, agg, report); }))
        failed.push_back({"report.json", *why});
    if (auto why = write_path_atomically(file("allowlist.yaml"),
                                         [&](std::ostream& out) { write_allowlist(out, agg, allowlist); }))
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
