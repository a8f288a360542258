// The journal writer for Linux: journald's native protocol over its datagram socket. An entry too
// big for one datagram goes as a sealed memfd passed over the socket, as the protocol allows.
#include "platform/journal.h"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace portwatch::platform {

namespace {

constexpr const char *defaultSocket = "/run/systemd/journal/socket";

class FdCloser {
public:
    explicit FdCloser(int fd) noexcept : m_fd(fd) {}
    ~FdCloser()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    FdCloser(const FdCloser &) = delete;
    FdCloser &operator=(const FdCloser &) = delete;
    int get() const noexcept { return m_fd; }

private:
    int m_fd;
};

class LinuxJournalWriter final : public JournalWriter {
public:
    explicit LinuxJournalWriter(std::string path) : m_path(std::move(path)) {}

    bool send(const JournalFields &fields, std::string *error) override
    {
        for (const auto &[name, value] : fields) {
            if (!isValidJournalFieldName(name))
                return fail(error, "\"" + name + "\" is not a journal field name");
        }
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        if (m_path.size() >= sizeof(address.sun_path))
            return fail(error, "the journal socket path " + m_path + " is too long");
        std::memcpy(address.sun_path, m_path.c_str(), m_path.size() + 1);

        const FdCloser socket(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        if (socket.get() < 0)
            return fail(error, std::string("cannot create a socket: ") + std::strerror(errno));
        const std::string entry = encodeJournalEntry(fields);
        const auto sent = ::sendto(socket.get(), entry.data(), entry.size(), MSG_NOSIGNAL,
                                   reinterpret_cast<const sockaddr *>(&address), sizeof(address));
        if (sent == static_cast<ssize_t>(entry.size()))
            return true;
        if (sent < 0 && (errno == EMSGSIZE || errno == ENOBUFS))
            return sendAsMemfd(socket.get(), address, entry, error);
        return fail(error, "the journal at " + m_path + " did not take the entry: " + std::strerror(errno));
    }

private:
    static bool fail(std::string *error, std::string text)
    {
        if (error)
            *error = std::move(text);
        return false;
    }

    // journald reads a sealed memfd sent alone (no payload) as the entry.
    bool sendAsMemfd(int socket, const sockaddr_un &address, const std::string &entry, std::string *error)
    {
        const FdCloser memfd(::memfd_create("portwatch-journal", MFD_CLOEXEC | MFD_ALLOW_SEALING));
        if (memfd.get() < 0)
            return fail(error, std::string("cannot create a memfd for a large journal entry: ") + std::strerror(errno));
        std::size_t written = 0;
        while (written < entry.size()) {
            const auto n = ::write(memfd.get(), entry.data() + written, entry.size() - written);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return fail(error, std::string("cannot fill the memfd: ") + std::strerror(errno));
            written += static_cast<std::size_t>(n);
        }
        if (::fcntl(memfd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0)
            return fail(error, std::string("cannot seal the memfd: ") + std::strerror(errno));

        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
        msghdr message{};
        message.msg_name = const_cast<sockaddr_un *>(&address);
        message.msg_namelen = sizeof(address);
        message.msg_control = control;
        message.msg_controllen = sizeof(control);
        cmsghdr *header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(sizeof(int));
        const int fd = memfd.get();
        std::memcpy(CMSG_DATA(header), &fd, sizeof(int));
        if (::sendmsg(socket, &message, MSG_NOSIGNAL) < 0)
            return fail(error, "the journal at " + m_path + " did not take the entry: " + std::strerror(errno));
        return true;
    }

    std::string m_path;
};

} // namespace

bool isStandardErrorJournal()
{
    // systemd sets JOURNAL_STREAM to "device:inode" of the stream it connected; a child that
    // inherited the variable but not the stream must not take it for the journal.
    const char *stream = std::getenv("JOURNAL_STREAM");
    if (!stream || !*stream)
        return false;
    struct stat status {};
    if (::fstat(STDERR_FILENO, &status) != 0)
        return false;
    const std::string expected = std::to_string(status.st_dev) + ':' + std::to_string(status.st_ino);
    return expected == stream;
}

std::unique_ptr<JournalWriter> makeJournalWriter(const std::string &socketPath)
{
    return std::make_unique<LinuxJournalWriter>(socketPath.empty() ? std::string(defaultSocket) : socketPath);
}

} // namespace portwatch::platform
