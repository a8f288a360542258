// Plain data shared by every platform backend and by the layers above: what a socket is, who owns it.
// No Qt here, so a backend can be built and tested with nothing but its OS toolchain.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace portwatch::platform {

enum class Protocol : std::uint8_t { Tcp, Udp };
enum class Family : std::uint8_t { IPv4, IPv6 };

const char *toString(Protocol protocol) noexcept; // "tcp" / "udp"
const char *toString(Family family) noexcept;     // "ipv4" / "ipv6"

// An inclusive range of ports; a single port is first == last.
struct PortRange {
    std::uint16_t first = 0;
    std::uint16_t last = 0;

    constexpr bool contains(std::uint16_t port) const noexcept { return port >= first && port <= last; }
    friend constexpr bool operator==(const PortRange &, const PortRange &) = default;
};

// What to ask the OS for. The backend hands the port filter to the kernel where it can, so the
// answer only holds sockets on these ports. No items means every listening TCP and bound UDP socket.
struct SocketQuery {
    struct Item {
        Protocol protocol = Protocol::Tcp;
        PortRange ports;
        friend bool operator==(const Item &, const Item &) = default;
    };
    std::vector<Item> items;

    bool all() const noexcept { return items.empty(); }
    bool wants(Protocol protocol, std::uint16_t port) const noexcept;
};

// One listening TCP socket or bound UDP socket, as the kernel reports it.
struct SocketEntry {
    Protocol protocol = Protocol::Tcp;
    Family family = Family::IPv4;
    std::string address;     // canonical text: "0.0.0.0", "127.0.0.1", "::", "::1", "::ffff:127.0.0.1"
    std::uint16_t port = 0;
    std::uint64_t inode = 0; // socket inode; the identity of the socket while it lives
    std::uint32_t uid = 0;   // owner uid as the kernel records it (the creator's effective uid)
    bool v6Only = false;     // IPv6 only; false on an IPv6 wildcard socket means it takes IPv4 too

    friend bool operator==(const SocketEntry &, const SocketEntry &) = default;
};

// A process as seen in the process table. startTicks and pid together identify it: a PID that was
// reused by another process has a different start time.
struct ProcessInfo {
    int pid = 0;
    std::string name;                 // short name (comm)
    std::string exe;                  // absolute executable path; empty when not readable
    std::vector<std::string> cmdline; // argv; empty when not readable (kernel threads, zombies)
    std::uint32_t uid = 0;            // real uid
    std::string user;                 // user name of uid, or the number as text when unknown
    std::uint64_t startTicks = 0;     // start time in clock ticks after boot (/proc/<pid>/stat field 22)
    std::int64_t startTimeMs = 0;     // start time, milliseconds since the Unix epoch (UTC)
    int ppid = 0;                     // parent's pid; 0 when unknown
    std::string parentName;           // parent's short name; empty when unknown or gone
    std::string cwd;                  // working directory; empty when not readable (another user's)

    friend bool operator==(const ProcessInfo &, const ProcessInfo &) = default;
};

// A socket with the processes that hold it open. Several owners when a socket is shared (fork, fd
// passing). ownersVisible is false when some owners may not be visible to us (another user's
// process and no privileges): the socket is still reported, with its uid and user.
struct Listener {
    SocketEntry socket;
    std::string user; // user name of socket.uid
    std::vector<ProcessInfo> owners;
    bool ownersVisible = true;
};

// User name for a uid, or the number as text when the uid has no name.
std::string userName(std::uint32_t uid);

} // namespace portwatch::platform
