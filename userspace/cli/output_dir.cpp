#include "cli/output_dir.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>

#include <unistd.h>

#include "core/errors.h"
#include "output/report.h"

namespace egresswatch {
namespace fs = std::filesystem;
namespace {

// `write` streams the content: report.json at 100k destinations is tens of MB, never held whole.
void write_atomically(const std::string& path, const std::function<void(std::ostream&)>& write) {
    std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        write(out);
        if (!out.flush()) throw SetupError("cannot write " + tmp + ": " + std::strerror(errno));
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
        throw SetupError("cannot write " + path + ": " + std::strerror(errno));
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

void OutputDir::open_events() {
    std::string path = (fs::path(dir_) / "events.jsonl").string();
    events_.open(path, std::ios::trunc);
    if (!events_) throw SetupError("cannot write " + path + ": " + std::strerror(errno));
    std::string requests = (fs::path(dir_) / "requests.log").string();
    requests_.open(requests, std::ios::trunc);
    if (!requests_) throw SetupError("cannot write " + requests + ": " + std::strerror(errno));
}

void OutputDir::write_results(const Aggregator& agg, std::optional<ScopeFilter> scope, std::int64_t now_ns) const {
    ReportOptions report{scope.value_or(ScopeFilter::all), now_ns};
    ReportOptions allowlist{scope.value_or(kDefaultAllowlistScope), now_ns};
    write_atomically((fs::path(dir_) / "report.json").string(),
                     [&](std::ostream& out) { write_report(out, agg, report); });
    write_atomically((fs::path(dir_) / "allowlist.yaml").string(),
                     [&](std::ostream& out) { write_allowlist(out, agg, allowlist); });
    spdlog::debug("wrote {}/report.json and {}/allowlist.yaml", dir_, dir_);
}

}  // namespace egresswatch
