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
    // The identity of the socket while it lives: Linux, the socket inode. Windows' table names no
    // socket, so the owning PID stands in (a port taken over by another process is a new socket).
    std::uint64_t inode = 0;
    std::uint32_t uid = 0;      // Linux: owner uid as the kernel records it (the creator's effective uid)
    std::uint32_t ownerPid = 0; // Windows: the owning PID the table reports, 0 when it does not know
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
    std::uint32_t uid = 0;            // Linux: real uid, the account's identity; Windows: unused (0)
    std::string sid;                  // Windows: the account's SID ("S-1-5-21-..."), its identity; Linux: empty
    std::uint32_t session = 0;        // Windows: the logon session (0 holds the services); Linux: unused (0)
    std::string user;                 // user name ("DOMAIN\name" on Windows), or the number as text when unknown
    // The start time as the OS records it, exact enough to tell a reused PID apart: Linux, clock
    // ticks after boot (/proc/<pid>/stat field 22); Windows, the creation FILETIME (100 ns since 1601).
    std::uint64_t startTicks = 0;
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

// User name for a uid, or the number as text when the uid has no name (Linux: the name service;
// Windows has no uids, and names come with the SID: the number as text).
std::string userName(std::uint32_t uid);

} // namespace portwatch::platform
