// /proc/net socket table: reads the four files the query needs and hands each to the parser.
#include "procnetsockettable.h"

#include "procnetparser.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

namespace portwatch::platform {

ProcNetSocketTable::ProcNetSocketTable(std::string root)
    : m_root(std::move(root))
{
}

std::string ProcNetSocketTable::backendName() const
{
    return "procfs";
}

int ProcNetSocketTable::readFile(const std::string &path)
{
    m_buffer.clear();
    int fd;
    do {
        fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return errno;
    // /proc files report size 0, so read until end of file, growing the reused buffer as needed.
    std::size_t used = 0;
    for (;;) {
        if (m_buffer.size() - used < 16 * 1024)
            m_buffer.resize(std::max<std::size_t>(m_buffer.size() * 2, used + 64 * 1024));
        const ssize_t got = ::read(fd, m_buffer.data() + used, m_buffer.size() - used);
        if (got < 0) {
            const int error = errno;
            if (error == EINTR)
                continue;
            ::close(fd);
            m_buffer.clear();
            return error;
        }
        if (got == 0)
            break;
        used += static_cast<std::size_t>(got);
    }
    ::close(fd);
    m_buffer.resize(used);
    return 0;
}

bool ProcNetSocketTable::defaultV6Only()
{
    // What an IPv6 socket gets unless it sets IPV6_V6ONLY itself; read once, it rarely changes.
    if (!m_defaultV6Only)
        m_defaultV6Only = readFile("/proc/sys/net/ipv6/bindv6only") == 0 && !m_buffer.empty() && m_buffer[0] == '1';
    return *m_defaultV6Only;
}

SocketList ProcNetSocketTable::query(const SocketQuery &query)
{
    struct File {
        const char *name;
        Protocol protocol;
        Family family;
    };
    static constexpr File files[] = {
        {"tcp", Protocol::Tcp, Family::IPv4},
        {"tcp6", Protocol::Tcp, Family::IPv6},
        {"udp", Protocol::Udp, Family::IPv4},
        {"udp6", Protocol::Udp, Family::IPv6},
    };

    SocketList result;
    const bool assumedV6Only = defaultV6Only();
    for (const File &file : files) {
        const bool wanted = query.all()
                            || std::any_of(query.items.begin(), query.items.end(),
                                           [&file](const SocketQuery::Item &item) { return item.protocol == file.protocol; });
        if (!wanted)
            continue;
        const std::string path = m_root + "/" + file.name;
        if (const int error = readFile(path)) {
            // A kernel without IPv6 has no tcp6/udp6: that means no such sockets, not a failure.
            if (file.family == Family::IPv6 && error == ENOENT)
                continue;
            result.error = "Could not read " + path + ": " + std::generic_category().message(error) + ".";
            result.sockets.clear();
            return result;
        }
        const procnet::FileKind kind{file.protocol, file.family, file.family == Family::IPv6 && assumedV6Only};
        procnet::parse(m_buffer, kind, query, result.sockets);
    }
    return result;
}

} // namespace portwatch::platform
