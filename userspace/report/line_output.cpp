#include "report/line_output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "base/errors.h"

namespace egresswatch {
namespace {

// Lines are gathered up to this before a batch ends, so a long batch costs few write(2)s and
// little memory.
constexpr std::size_t kBatchBytes = 64 * 1024;

}  // namespace

LineFile::LineFile(const std::string& path, Open how) : path_(path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (how == Open::append ? O_APPEND : O_TRUNC), 0644);
    if (fd_ < 0) throw SetupError("cannot write " + path + ": " + std::strerror(errno));
    struct stat st {};
    can_cut_ = ::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode);
    if (can_cut_) end_ = static_cast<std::uint64_t>(st.st_size);
}

LineFile::LineFile(LineFile&& other) noexcept { *this = std::move(other); }

LineFile& LineFile::operator=(LineFile&& other) noexcept {
    if (this == &other) return *this;
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    can_cut_ = other.can_cut_;
    end_ = other.end_;
    errno_ = other.errno_;
    return *this;
}

LineFile::~LineFile() {
    if (fd_ >= 0) ::close(fd_);
}

std::size_t LineFile::write(std::string_view lines) {
    std::size_t done = 0;
    while (done < lines.size()) {
        ssize_t n = ::write(fd_, lines.data() + done, lines.size() - done);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        errno_ = n < 0 ? errno : EIO;
        break;
    }
    if (done == lines.size()) {
        end_ += done;
        return done;
    }
    std::size_t last = done == 0 ? std::string_view::npos : lines.rfind('\n', done - 1);
    std::size_t whole = last == std::string_view::npos ? 0 : last + 1;
    if (done > whole && can_cut_) {
        auto offset = static_cast<off_t>(end_ + whole);
        // Only the part of a line is cut off: the lines before it stay, and so does the
        // offset that the next batch is written at.
        if (::ftruncate(fd_, offset) != 0 || ::lseek(fd_, offset, SEEK_SET) != offset) can_cut_ = false;
    }
    end_ += whole;
    return whole;
}

std::string LineFile::error() const { return std::strerror(errno_ ? errno_ : EBADF); }

std::size_t StreamOutput::write(std::string_view lines) {
    errno = 0;
    out_.write(lines.data(), static_cast<std::streamsize>(lines.size()));
    out_.flush();
    if (out_) return lines.size();
    errno_ = errno;
    return 0;
}

std::string StreamOutput::error() const { return errno_ ? std::strerror(errno_) : "the stream failed"; }

void LineWriter::add(std::string_view line, Kind kind) {
    if (failed_ && kind == Kind::record) {
        ++dropped_;
        return;
    }
    batch_.append(line);
    batch_ += '\n';
    if (kind == Kind::record) record_ends_.push_back(batch_.size());
    if (batch_.size() >= kBatchBytes) flush();
}

void LineWriter::flush() {
    if (batch_.empty()) return;
    std::size_t written = out_.write(batch_);
    if (written < batch_.size()) {
        for (std::size_t end : record_ends_)
            if (end > written) ++dropped_;
        if (!failed_) {
            failed_ = true;
            if (on_failure_) on_failure_(out_.error());
        }
    }
    batch_.clear();
    record_ends_.clear();
}

}  // namespace egresswatch
