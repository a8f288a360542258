// SmallTmpfs: a 1 MiB tmpfs mounted for one test (root only), to see what a full disk does to saves.
// fill() takes every free byte. Header-only, plain C++ and POSIX; unmounted (lazily) on destruction.
//
//   SmallTmpfs disk;
//   if (!disk.mounted()) QSKIP(disk.reason().c_str());
#pragma once

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

namespace portwatch::testing {

class SmallTmpfs {
public:
    explicit SmallTmpfs(const char *size = "1m")
    {
        char pattern[] = "/tmp/portwatch-tmpfs-XXXXXX";
        if (!::mkdtemp(pattern)) {
            m_reason = std::string("cannot create a mount point: ") + std::strerror(errno);
            return;
        }
        m_path = pattern;
        const std::string options = std::string("size=") + size + ",mode=0777";
        if (::mount("portwatch-test", m_path.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
            m_reason = std::string("cannot mount a tmpfs (needs root or CAP_SYS_ADMIN): ") + std::strerror(errno);
            return;
        }
        m_mounted = true;
    }

    ~SmallTmpfs()
    {
        if (m_mounted)
            ::umount2(m_path.c_str(), MNT_DETACH);
        if (!m_path.empty())
            ::rmdir(m_path.c_str());
    }

    SmallTmpfs(const SmallTmpfs &) = delete;
    SmallTmpfs &operator=(const SmallTmpfs &) = delete;

    bool mounted() const { return m_mounted; }
    const std::string &reason() const { return m_reason; }
    const std::string &path() const { return m_path; }

    // Writes zeros into <path>/filler until the disk is full; true when it is.
    bool fill() const
    {
        const std::string filler = m_path + "/filler";
        const int fd = ::open(filler.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0)
            return false;
        const std::vector<char> zeros(4096, 0);
        bool full = false;
        for (;;) {
            const ssize_t n = ::write(fd, zeros.data(), zeros.size());
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                full = errno == ENOSPC;
                break;
            }
        }
        ::close(fd);
        return full;
    }

    // Gives the space back.
    void drain() const { ::unlink((m_path + "/filler").c_str()); }

private:
    std::string m_path;
    std::string m_reason;
    bool m_mounted = false;
};

} // namespace portwatch::testing
