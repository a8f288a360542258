// The busy host the benchmark measures on, built on loopback by the benchmark itself: many small
// processes (forked, never exec'd) holding ordinary descriptors and listening/bound sockets, plus
// single holder processes (spawned, exec'd) for "a new process binds a watched port" and for the
// idle host.
#pragma once

#include "platform/types.h"

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace portwatch::bench {

// One of the four kinds of socket the fixture holds, all on loopback.
enum class SocketKind : std::uint8_t { TcpV4, UdpV4, TcpV6, UdpV6 };
platform::Protocol protocolOf(SocketKind kind) noexcept;
platform::Family familyOf(SocketKind kind) noexcept;
const char *toString(SocketKind kind) noexcept; // "tcp 127.0.0.1", ...

struct HeldSocket {
    SocketKind kind = SocketKind::TcpV4;
    std::uint16_t port = 0;
    pid_t pid = 0; // the process holding it
};

struct FixtureOptions {
    int processes = 1000;
    int sockets = 10000;
    int fdsPerProcess = 20; // open descriptors per process, sockets and stdio included
    int watched = 10;       // distinct ports, held by processes spread over the fixture's age range
};

// Processes holding sockets, each in its own process group, registered for cleanup.
class BusyHost {
public:
    BusyHost() = default;
    ~BusyHost();
    BusyHost(const BusyHost &) = delete;
    BusyHost &operator=(const BusyHost &) = delete;

    // Forks the helper, which forks the processes; returns once every process holds its sockets.
    bool start(const FixtureOptions &options, std::string &error);
    // Kills and reaps every fixture process, then waits until the kernel's socket count has stopped
    // falling (the sockets are freed after their processes are gone), so that what is measured next
    // runs on a quiet host and not alongside the teardown.
    void stop();
    bool running() const noexcept { return m_helper > 0; }

    // One socket per watched port, each held by a different fixture process.
    const std::vector<HeldSocket> &watched() const noexcept { return m_watched; }
    int processes() const noexcept { return m_processes; }
    int sockets() const noexcept { return m_sockets; }
    // Descriptors open in the fixture's processes, counted in /proc.
    std::uint64_t countDescriptors() const;

private:
    pid_t m_helper = -1;
    std::vector<pid_t> m_pids;
    std::vector<HeldSocket> m_watched;
    int m_processes = 0;
    int m_sockets = 0;
};

// A single process (its own process group, killed with us) that holds the given sockets; a port of
// 0 binds an ephemeral port. It is this program started again with --hold-sockets (posix_spawn, so
// the measuring process does not share its pages copy-on-write with a fork, which would slow the very
// poll being timed), as a real server would be a new program.
class SocketHolder {
public:
    SocketHolder() = default;
    ~SocketHolder();
    SocketHolder(const SocketHolder &) = delete;
    SocketHolder &operator=(const SocketHolder &) = delete;

    bool start(const std::vector<HeldSocket> &wanted, std::string &error);
    void stop();

    pid_t pid() const noexcept { return m_pid; }
    const std::vector<HeldSocket> &sockets() const noexcept { return m_sockets; }

private:
    pid_t m_pid = -1;
    std::vector<HeldSocket> m_sockets;
};

// The holder's side: called by main() before anything else when argv[1] is --hold-sockets, with
// the socket list ("0:8080,3:0": kind number and port) and the parent's PID. Never returns.
[[noreturn]] void runSocketHolder(const char *sockets, const char *parent);
inline constexpr const char *kHoldSocketsOption = "--hold-sockets";

// Raises RLIMIT_NOFILE (soft, and hard when allowed) to at least `needed`.
bool raiseDescriptorLimit(std::uint64_t needed, std::string &error);

} // namespace portwatch::bench
