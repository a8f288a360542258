// The few functions behind the plain data types of types.h: names for enums, query matching.
// userName() is the OS's: platform/<os>/accounts.cpp.
#include "types.h"


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

} // namespace portwatch::platform
