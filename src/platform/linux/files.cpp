// readRegularFile on Linux: open with O_NONBLOCK (a FIFO without a writer would block a plain open
// forever), then fstat the descriptor we hold, so the check and the read are about the same file.
#include "platform/files.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace portwatch::platform {
namespace {

class Fd {
public:
    explicit Fd(int fd) noexcept : m_fd(fd) {}
    ~Fd()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    Fd(const Fd &) = delete;
    Fd &operator=(const Fd &) = delete;
    int get() const noexcept { return m_fd; }

private:
    int m_fd;
};

const char *kindOf(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a FIFO (named pipe)";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    return "not a regular file";
}

FileRead failure(FileRead::Status status, std::string error)
{
    FileRead result;
    result.status = status;
    result.error = std::move(error);
    return result;
}

} // namespace

FileRead readRegularFile(const std::string &path, std::size_t maxBytes, OverLimit overLimit)
{
    // O_NOCTTY: a terminal device must never become our controlling terminal by being opened.
    const int raw = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (raw < 0) {
        const int error = errno;
        if (error == ENOENT)
            return failure(FileRead::Status::Missing, std::strerror(error));
        // A FIFO opened for writing only, or a socket, refuses the open itself: name what it is.
        struct stat info {};
        if (::stat(path.c_str(), &info) == 0 && !S_ISREG(info.st_mode))
            return failure(FileRead::Status::NotRegular, kindOf(info.st_mode));
        return failure(FileRead::Status::Unreadable, std::strerror(error));
    }
    const Fd fd(raw);
    struct stat info {};
    if (::fstat(fd.get(), &info) != 0)
        return failure(FileRead::Status::Unreadable, std::strerror(errno));
    if (!S_ISREG(info.st_mode))
        return failure(FileRead::Status::NotRegular, kindOf(info.st_mode));

    FileRead result;
    result.size = static_cast<unsigned long long>(info.st_size);
    off_t start = 0;
    if (result.size > maxBytes) {
        if (overLimit == OverLimit::Refuse)
            return detail::tooLarge(std::move(result), maxBytes);
        start = static_cast<off_t>(result.size - maxBytes);
    }
    // The size is a hint: the file may grow while we read, so the limit is enforced on what is read.
    result.data.resize(maxBytes < result.size ? maxBytes : static_cast<std::size_t>(result.size));
    std::size_t got = 0;
    std::string chunk;
    for (;;) {
        if (got == result.data.size()) {
            // Past the size fstat gave: read on, one byte beyond the limit at most, to see whether it grew.
            if (got > maxBytes)
                break;
            result.data.resize(std::min(maxBytes + 1, got + 65536));
        }
        const ssize_t n = ::pread(fd.get(), result.data.data() + got, result.data.size() - got,
                                  start + static_cast<off_t>(got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return failure(FileRead::Status::Unreadable, std::strerror(errno));
        if (n == 0)
            break;
        got += static_cast<std::size_t>(n);
    }
    return detail::finishRead(std::move(result), got, maxBytes, overLimit);
}

} // namespace portwatch::platform
