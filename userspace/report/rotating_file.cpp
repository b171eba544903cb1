#include "report/rotating_file.h"

#include <spdlog/spdlog.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <vector>

namespace egresswatch {
namespace fs = std::filesystem;

void RotatingFile::open(std::string dir, std::string name, RotationPolicy policy, Clock clock) {
    close();
    dir_ = std::move(dir);
    name_ = std::move(name);
    policy_ = policy;
    clock_ = clock ? std::move(clock) : Clock([] { return std::chrono::system_clock::now(); });
    auto dot = name_.rfind('.');
    stem_ = dot == std::string::npos ? name_ : name_.substr(0, dot);
    extension_ = dot == std::string::npos ? "" : name_.substr(dot);
    std::string live = (fs::path(dir_) / name_).string();
    // A service that restarts keeps what it wrote before: the last file becomes a segment.
    // Without rotation, a session starts its files afresh, as a run does.
    std::error_code ec;
    if (policy_.active() && fs::file_size(live, ec) > 0 && !ec) {
        std::string segment = (fs::path(dir_) / segment_name(clock_())).string();
        if (std::rename(live.c_str(), segment.c_str()) == 0) pending_.push_back(segment);
    }
    file_ = LineFile(live);
    opened_at_ = clock_();
    stopping_ = false;
    if (policy_.active()) worker_ = std::thread([this] { compress_loop(); });
}

void RotatingFile::close() {
    if (worker_.joinable()) {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        worker_.join();
    }
    file_ = LineFile();
}

std::size_t RotatingFile::write(std::string_view lines) {
    if (policy_.max_age.count() && file_.size() > 0 && clock_() - opened_at_ >= policy_.max_age) (void)rotate();
    if (!policy_.max_bytes) return file_.write(lines);
    // A batch may be larger than what is left of the file: it is split between whole lines,
    // so that no segment passes max_bytes (but for a single line larger than it).
    std::size_t written = 0;
    while (written < lines.size()) {
        std::string_view rest = lines.substr(written);
        std::uint64_t room = policy_.max_bytes > file_.size() ? policy_.max_bytes - file_.size() : 0;
        std::size_t take = rest.size();
        if (take > room) {
            std::size_t cut = room ? rest.rfind('\n', room - 1) : std::string_view::npos;
            if (cut != std::string_view::npos) {
                take = cut + 1;
            } else if (file_.size() > 0 && rotate()) {
                continue;
            } else if (file_.size() == 0) {
                // One line larger than a whole file: alone in one.
                std::size_t end = rest.find('\n');
                take = end == std::string_view::npos ? rest.size() : end + 1;
            }  // else the file could not be rotated: written on, and tried again next batch
        }
        std::size_t n = file_.write(rest.substr(0, take));
        written += n;
        if (n < take) break;  // failed: error() says why
    }
    return written;
}

std::string RotatingFile::segment_name(std::chrono::system_clock::time_point at) const {
    std::time_t t = std::chrono::system_clock::to_time_t(at);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    // Two rotations in one second (a storm with a small limit) get a sequence number.
    std::string base = stem_ + "-" + stamp;
    std::string name = base + extension_;
    for (int n = 2; fs::exists(fs::path(dir_) / name) || fs::exists(fs::path(dir_) / (name + ".gz")); ++n)
        name = base + "-" + std::to_string(n) + extension_;
    return name;
}

bool RotatingFile::rotate() {
    std::string live = file_.path();
    std::string segment = (fs::path(dir_) / segment_name(clock_())).string();
    if (std::rename(live.c_str(), segment.c_str()) != 0) {
        // Writing on to the same file loses nothing; it is tried again at the next batch.
        spdlog::warn("cannot rotate {}: {}; writing on to it", live, std::strerror(errno));
        return false;
    }
    try {
        file_ = LineFile(live);
    } catch (const std::exception& e) {
        // No new file (no inode left, too many files open): the segment takes the name back,
        // and is written on.
        std::rename(segment.c_str(), live.c_str());
        spdlog::warn("cannot rotate: {}; writing on to {}", e.what(), live);
        return false;
    }
    opened_at_ = clock_();
    ++rotations_;
    {
        std::lock_guard lock(mutex_);
        pending_.push_back(segment);
    }
    wake_.notify_all();
    return true;
}

void RotatingFile::reopen() {
    try {
        file_ = LineFile(file_.path(), LineFile::Open::append);
    } catch (const std::exception& e) {
        spdlog::warn("{}; writing on to the file that was open", e.what());
    }
}

void RotatingFile::settle() {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return pending_.empty() && !busy_; });
}

void RotatingFile::compress_loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
        if (pending_.empty()) break;  // stopping, and nothing left to do
        std::string segment = pending_.front();
        pending_.pop_front();
        busy_ = true;
        lock.unlock();
        compress(segment);
        prune();
        lock.lock();
        busy_ = false;
        idle_.notify_all();
    }
    idle_.notify_all();
}

void RotatingFile::compress(const std::string& segment) {
    std::string target = segment + ".gz";
    std::string tmp = target + ".tmp";
    std::ifstream in(segment, std::ios::binary);
    gzFile out = gzopen(tmp.c_str(), "wb6");
    bool ok = in && out;
    std::vector<char> buffer(1 << 16);
    while (ok && in) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        auto n = static_cast<unsigned>(in.gcount());
        if (n && gzwrite(out, buffer.data(), n) != static_cast<int>(n)) ok = false;
    }
    if (out && gzclose(out) != Z_OK) ok = false;
    ok = ok && !in.bad() && std::rename(tmp.c_str(), target.c_str()) == 0;
    std::error_code ec;
    if (!ok) {
        // The segment stays whole and uncompressed: nothing is lost, it only takes more room.
        fs::remove(tmp, ec);
        spdlog::warn("cannot compress {} ({}): kept uncompressed", segment, std::strerror(errno ? errno : EIO));
        return;
    }
    fs::remove(segment, ec);
}

void RotatingFile::prune() {
    if (!policy_.keep) return;
    // Segment names sort by time: the oldest first.
    std::vector<fs::path> segments;
    std::error_code ec;
    std::string prefix = stem_ + "-";
    for (const auto& entry : fs::directory_iterator(dir_, ec)) {
        std::string name = entry.path().filename().string();
        if (name.rfind(prefix, 0) == 0 && name.size() > 3 && name.ends_with(extension_ + ".gz"))
            segments.push_back(entry.path());
    }
    std::sort(segments.begin(), segments.end());
    for (std::size_t i = 0; i + policy_.keep < segments.size(); ++i) fs::remove(segments[i], ec);
}

}  // namespace egresswatch
