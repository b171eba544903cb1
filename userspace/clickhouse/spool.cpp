#include "clickhouse/spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "base/errors.h"
#include "base/unique_fd.h"

namespace egresswatch {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kSuffix = ".rows";
constexpr std::string_view kPartSuffix = ".part";

// Writes all of `data`, or says why not.
bool write_all(int fd, std::string_view data, std::string& error) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            error = std::strerror(n < 0 ? errno : EIO);
            return false;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

}  // namespace

Spool::Spool(std::string dir, std::uint64_t max_bytes) : dir_(std::move(dir)), max_bytes_(max_bytes) {
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec) throw SetupError("cannot make the ClickHouse spool " + dir_ + ": " + ec.message());
    std::vector<File> found;
    for (const fs::directory_entry& entry : fs::directory_iterator(dir_, ec)) {
        std::string name = entry.path().filename().string();
        if (name.ends_with(kPartSuffix)) {
            fs::remove(entry.path(), ec);  // a batch a crash cut short: never sent, never whole
            continue;
        }
        if (!name.ends_with(kSuffix)) continue;
        std::uint64_t number = 0, rows = 0;
        if (std::sscanf(name.c_str(), "%" SCNu64 "-%" SCNu64, &number, &rows) != 2) continue;
        found.push_back({number, rows, static_cast<std::uint64_t>(entry.file_size(ec))});
    }
    if (ec) throw SetupError("cannot read the ClickHouse spool " + dir_ + ": " + ec.message());
    std::sort(found.begin(), found.end(), [](const File& a, const File& b) { return a.number < b.number; });
    for (const File& f : found) {
        files_.push_back(f);
        bytes_ += f.bytes;
        rows_ += f.rows;
        next_ = f.number + 1;
    }
}

std::string Spool::path_of(const File& file) const {
    char name[48];
    std::snprintf(name, sizeof name, "%016" PRIu64 "-%" PRIu64, file.number, file.rows);
    return dir_ + "/" + name + std::string(kSuffix);
}

Spool::Push Spool::push(std::string_view batch, std::uint64_t rows) {
    File file;
    {
        std::lock_guard lock(mutex_);
        if (bytes_ + batch.size() > max_bytes_) return Push::full;
        file = File{next_++, rows, batch.size()};
    }
    std::string path = path_of(file);
    std::string part = path + std::string(kPartSuffix);
    UniqueFd fd(::open(part.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    std::string why;
    bool written = fd.get() >= 0 ? write_all(fd.get(), batch, why) : (why = std::strerror(errno), false);
    fd = UniqueFd();
    if (!written || std::rename(part.c_str(), path.c_str()) != 0) {
        if (written) why = std::strerror(errno);
        push_error_ = "writing " + part + ": " + why;
        ::unlink(part.c_str());
        return Push::failed;
    }
    // Only the pushing thread numbers files, so they arrive here in order.
    std::lock_guard lock(mutex_);
    files_.push_back(file);
    bytes_ += file.bytes;
    rows_ += file.rows;
    return Push::kept;
}

bool Spool::empty() const {
    std::lock_guard lock(mutex_);
    return files_.empty();
}

std::uint64_t Spool::bytes() const {
    std::lock_guard lock(mutex_);
    return bytes_;
}

std::uint64_t Spool::rows() const {
    std::lock_guard lock(mutex_);
    return rows_;
}

std::size_t Spool::batches() const {
    std::lock_guard lock(mutex_);
    return files_.size();
}

Spool::Batch Spool::front(std::string& error) const {
    File file;
    {
        std::lock_guard lock(mutex_);
        if (files_.empty()) return {};
        file = files_.front();
    }
    std::string path = path_of(file);
    std::ifstream in(path, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in || text.size() != file.bytes) {
        error = "reading " + path + ": " + (in ? "it is not the size it was written at" : std::strerror(errno));
        return {std::nullopt, file.rows};
    }
    return {std::move(text), file.rows};
}

void Spool::pop() {
    File file;
    {
        std::lock_guard lock(mutex_);
        if (files_.empty()) return;
        file = files_.front();
        files_.pop_front();
        bytes_ -= file.bytes;
        rows_ -= file.rows;
    }
    ::unlink(path_of(file).c_str());
}

}  // namespace egresswatch
