#include "containers/bounded_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace egresswatch {

std::optional<std::string> read_bounded_file(const std::string& path, std::size_t max_bytes) {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) return std::nullopt;
    std::optional<std::string> out;
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && static_cast<std::size_t>(st.st_size) <= max_bytes) {
        try {
            std::string text(static_cast<std::size_t>(st.st_size) + 1, '\0');
            std::size_t got = 0;
            bool failed = false;
            // The file may grow between fstat and read: one byte more than the bound tells.
            while (got < text.size()) {
                const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
                if (n < 0 && errno == EINTR) continue;
                if (n < 0) failed = true;
                if (n <= 0) break;
                got += static_cast<std::size_t>(n);
            }
            if (!failed && got <= max_bytes) {
                text.resize(got);
                out = std::move(text);
            }
        } catch (const std::bad_alloc&) {}
    }
    ::close(fd);
    return out;
}

}  // namespace egresswatch
