// Which sockets listen where: the OS socket table, filtered by port.
#pragma once

#include "types.h"

#include <memory>
#include <string>
#include <vector>

namespace portwatch::platform {

struct SocketList {
    std::vector<SocketEntry> sockets;
    std::string error; // empty on success; otherwise what failed, for the user

    bool ok() const noexcept { return error.empty(); }
};

class SocketTable {
public:
    virtual ~SocketTable() = default;

    // Listening TCP and bound UDP sockets, IPv4 and IPv6, on the ports the query names.
    virtual SocketList query(const SocketQuery &query) = 0;
    // Short name of the mechanism in use, for logs and --verbose output ("netlink", "procfs").
    virtual std::string backendName() const = 0;
};

enum class SocketBackend {
    Automatic, // the OS's native, filtered interface; falls back when it is not available
    Native,    // Linux: NETLINK_SOCK_DIAG
    Fallback,  // Linux: /proc/net/{tcp,tcp6,udp,udp6}
};

std::unique_ptr<SocketTable> makeSocketTable(SocketBackend backend = SocketBackend::Automatic);

} // namespace portwatch::platform
