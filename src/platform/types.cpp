// The few functions behind the plain data types of types.h: names for enums, query matching, user names.
#include "types.h"

#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace portwatch::platform {

const char *toString(Protocol protocol) noexcept
{
    switch (protocol) {
    case Protocol::Tcp:
        return "tcp";
    case Protocol::Udp:
        return "udp";
    }
    return "unknown";
}

const char *toString(Family family) noexcept
{
    switch (family) {
    case Family::IPv4:
        return "ipv4";
    case Family::IPv6:
        return "ipv6";
    }
    return "unknown";
}

bool SocketQuery::wants(Protocol protocol, std::uint16_t port) const noexcept
{
    if (items.empty())
        return true;
    for (const Item &item : items) {
        if (item.protocol == protocol && item.ports.contains(port))
            return true;
    }
    return false;
}

std::string userName(std::uint32_t uid)
{
    // getpwuid_r rather than getpwuid: the socket table and the process resolver may run on
    // different threads, and getpwuid's static buffer is shared between them.
    long suggested = ::sysconf(_SC_GETPW_R_SIZE_MAX);
    std::vector<char> buffer(suggested > 0 ? static_cast<std::size_t>(suggested) : 1024);
    passwd entry{};
    passwd *result = nullptr;
    for (;;) {
        const int rc = ::getpwuid_r(static_cast<uid_t>(uid), &entry, buffer.data(), buffer.size(), &result);
        if (rc == ERANGE && buffer.size() < (1u << 20)) {
            buffer.resize(buffer.size() * 2);
            continue;
        }
        if (rc == EINTR)
            continue;
        break;
    }
    if (result && result->pw_name && result->pw_name[0] != '\0')
        return result->pw_name;
    return std::to_string(uid);
}

} // namespace portwatch::platform
