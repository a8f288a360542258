// The benchmark's busy host: see fixture.h. The processes are forked and never exec'd (the cheapest
// way to have a thousand of them), each in the helper's process group and with PR_SET_PDEATHSIG, so
// they die with the helper, which dies with the benchmark, even when the benchmark is killed. Code
// that runs in a forked child only makes system calls: the benchmark may have threads.
#include "fixture.h"

#include "cleanup.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <climits>
#include <cstdlib>
#include <cstring>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace portwatch::bench {

namespace {

// What a fixture process tells the benchmark once it holds its sockets.
struct Report {
    std::int32_t index = 0;
    std::int32_t pid = 0;
    std::int32_t error = 0; // errno of the first failure; 0 when everything is held
    std::uint16_t firstPort = 0;
    std::uint8_t firstKind = 0;
    std::uint8_t hasSocket = 0;
};

constexpr int kMaxHeld = 64;

// What a SocketHolder tells the benchmark.
struct HolderReport {
    std::int32_t error = 0;
    std::int32_t failedIndex = -1;
    std::uint16_t ports[kMaxHeld] = {};
};

constexpr int kReadyTimeoutMs = 60000;

// Opens one loopback socket of `kind` bound to `port` (0: ephemeral), listening when TCP. Returns
// the descriptor and sets `port` to the bound port, or returns -errno. `closeOnExec` as most servers
// open theirs; without it, as inherited or socket-activated ones hold them (the resolver checks
// those owners for an exec on every poll).
int openSocket(SocketKind kind, std::uint16_t &port, bool closeOnExec)
{
    const bool tcp = kind == SocketKind::TcpV4 || kind == SocketKind::TcpV6;
    const bool v6 = kind == SocketKind::TcpV6 || kind == SocketKind::UdpV6;
    const int fd = socket(v6 ? AF_INET6 : AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) | (closeOnExec ? SOCK_CLOEXEC : 0), 0);
    if (fd < 0)
        return -errno;
    int status = 0;
    sockaddr_storage address = {};
    socklen_t length = 0;
    if (v6) {
        const int one = 1;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        auto *in6 = reinterpret_cast<sockaddr_in6 *>(&address);
        in6->sin6_family = AF_INET6;
        in6->sin6_addr = in6addr_loopback;
        in6->sin6_port = htons(port);
        length = sizeof(sockaddr_in6);
    } else {
        auto *in4 = reinterpret_cast<sockaddr_in *>(&address);
        in4->sin_family = AF_INET;
        in4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        in4->sin_port = htons(port);
        length = sizeof(sockaddr_in);
    }
    status = bind(fd, reinterpret_cast<const sockaddr *>(&address), length);
    if (status == 0 && tcp)
        status = listen(fd, 1); // a backlog of one keeps the kernel's memory per socket small
    if (status == 0)
        status = getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length);
    if (status != 0) {
        const int error = errno;
        close(fd);
        return -error;
    }
    port = ntohs(v6 ? reinterpret_cast<sockaddr_in6 *>(&address)->sin6_port
                    : reinterpret_cast<sockaddr_in *>(&address)->sin_port);
    return fd;
}

// Dies with its parent; false when the parent is already gone (it died before the prctl).
bool followParent(pid_t parent)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    return getppid() == parent;
}

// Keeps only stdio and `keep` open, moved to descriptor 3.
int keepOnly(int keep)
{
    if (keep != 3) {
        dup2(keep, 3);
        close(keep);
    }
    close_range(4, ~0U, 0);
    return 3;
}

void writeAll(int fd, const void *data, std::size_t size)
{
    const auto *bytes = static_cast<const char *>(data);
    while (size > 0) {
        const ssize_t written = write(fd, bytes, size);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return;
        bytes += written;
        size -= static_cast<std::size_t>(written);
    }
}

// Reads exactly `size` bytes, waiting at most kReadyTimeoutMs for each chunk. False on EOF/timeout.
bool readAll(int fd, void *data, std::size_t size)
{
    auto *bytes = static_cast<char *>(data);
    while (size > 0) {
        pollfd waitFor = {fd, POLLIN, 0};
        const int ready = poll(&waitFor, 1, kReadyTimeoutMs);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready <= 0)
            return false;
        const ssize_t got = read(fd, bytes, size);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return false;
        bytes += got;
        size -= static_cast<std::size_t>(got);
    }
    return true;
}

[[noreturn]] void idleForever()
{
    for (;;)
        pause();
}

// Fixture sockets take ports from here up to the kernel's ephemeral range, which they stay out of:
// tests running at the same time bind ephemeral ports and check who else holds that number.
constexpr int kFirstFixturePort = 10000;

// The first ephemeral port (net.ipv4.ip_local_port_range), or 32768.
int firstEphemeralPort()
{
    char text[64] = {};
    const int fd = ::open("/proc/sys/net/ipv4/ip_local_port_range", O_RDONLY | O_CLOEXEC);
    const ssize_t length = fd >= 0 ? read(fd, text, sizeof text - 1) : -1;
    if (fd >= 0)
        close(fd);
    const long first = length > 0 ? std::strtol(text, nullptr, 10) : 0;
    return first > kFirstFixturePort ? static_cast<int>(first) : 32768;
}

// Opens fixture socket number `number` of `total`: at port kFirstFixturePort + number, or, when
// that is taken, the same plus multiples of `total` below `portLimit`; an ephemeral port when none is
// left.
int openFixtureSocket(SocketKind kind, int number, int total, int portLimit, bool closeOnExec, std::uint16_t &port)
{
    for (int candidate = kFirstFixturePort + number; candidate < portLimit; candidate += total) {
        port = static_cast<std::uint16_t>(candidate);
        const int fd = openSocket(kind, port, closeOnExec);
        if (fd != -EADDRINUSE)
            return fd;
    }
    port = 0;
    return openSocket(kind, port, closeOnExec);
}

// A fixture process: `count` sockets starting at global socket number `first`, then /dev/null
// duplicates up to `fds` descriptors. Processes come in blocks of 100 whose sockets alternate
// between close-on-exec and not, so both kinds of owner are among the watched ones.
[[noreturn]] void runFixtureProcess(const FixtureOptions &options, int index, int first, int count, int portLimit,
                                    int reportFd, pid_t helper)
{
    if (!followParent(helper))
        _exit(0);
    Report report;
    report.index = index;
    report.pid = getpid();
    int open = 3; // stdio; the report pipe is closed before idling
    for (int k = 0; k < count; ++k) {
        const auto kind = static_cast<SocketKind>((first + k) % 4);
        std::uint16_t port = 0;
        const int fd = openFixtureSocket(kind, first + k, options.sockets, portLimit, (index / 100) % 2 == 0, port);
        if (fd < 0) {
            report.error = -fd;
            break;
        }
        ++open;
        if (k == 0) {
            report.firstPort = port;
            report.firstKind = static_cast<std::uint8_t>(kind);
            report.hasSocket = 1;
        }
    }
    const int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0)
        ++open;
    while (null >= 0 && open < options.fdsPerProcess && dup(null) >= 0)
        ++open;
    writeAll(reportFd, &report, sizeof report);
    close(reportFd);
    idleForever();
}

// The fixture's helper: the process group leader that forks every fixture process and reaps any
// that dies.
[[noreturn]] void runHelper(const FixtureOptions &options, int reportFd, pid_t bench)
{
    if (!followParent(bench))
        _exit(0);
    reportFd = keepOnly(reportFd);
    const int perProcess = options.sockets / options.processes;
    const int remainder = options.sockets % options.processes;
    const pid_t self = getpid();
    const int portLimit = firstEphemeralPort();
    for (int i = 0; i < options.processes; ++i) {
        const int count = perProcess + (i < remainder ? 1 : 0);
        const int first = i * perProcess + std::min(i, remainder);
        const pid_t pid = fork();
        if (pid == 0)
            runFixtureProcess(options, i, first, count, portLimit, reportFd, self);
        if (pid < 0) {
            Report failed;
            failed.index = i;
            failed.error = errno;
            writeAll(reportFd, &failed, sizeof failed);
            break;
        }
    }
    close(reportFd);
    for (;;) {
        if (wait(nullptr) < 0 && errno == ECHILD)
            idleForever();
    }
}

} // namespace

platform::Protocol protocolOf(SocketKind kind) noexcept
{
    return kind == SocketKind::TcpV4 || kind == SocketKind::TcpV6 ? platform::Protocol::Tcp : platform::Protocol::Udp;
}

platform::Family familyOf(SocketKind kind) noexcept
{
    return kind == SocketKind::TcpV4 || kind == SocketKind::UdpV4 ? platform::Family::IPv4 : platform::Family::IPv6;
}

const char *toString(SocketKind kind) noexcept
{
    switch (kind) {
    case SocketKind::TcpV4:
        return "tcp 127.0.0.1";
    case SocketKind::UdpV4:
        return "udp 127.0.0.1";
    case SocketKind::TcpV6:
        return "tcp [::1]";
    case SocketKind::UdpV6:
        return "udp [::1]";
    }
    return "?";
}

bool raiseDescriptorLimit(std::uint64_t needed, std::string &error)
{
    rlimit limit = {};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        error = std::string("getrlimit: ") + std::strerror(errno);
        return false;
    }
    if (limit.rlim_cur >= needed)
        return true;
    if (limit.rlim_max < needed)
        limit.rlim_max = needed; // allowed with CAP_SYS_RESOURCE
    limit.rlim_cur = needed;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
        error = "cannot raise the open file limit to " + std::to_string(needed) + ": " + std::strerror(errno)
            + " (ulimit -n)";
        return false;
    }
    return true;
}

BusyHost::~BusyHost()
{
    stop();
}

bool BusyHost::start(const FixtureOptions &options, std::string &error)
{
    stop();
    if (options.processes < 1 || options.sockets < 0 || options.watched < 0) {
        error = "the fixture needs at least one process";
        return false;
    }
    const int perProcessMax = options.sockets / options.processes + 1;
    if (!raiseDescriptorLimit(static_cast<std::uint64_t>(std::max(options.fdsPerProcess, perProcessMax + 8)), error))
        return false;

    int pipeFds[2];
    if (pipe2(pipeFds, O_CLOEXEC) != 0) {
        error = std::string("pipe: ") + std::strerror(errno);
        return false;
    }
    const pid_t bench = getpid();
    const pid_t helper = fork();
    if (helper == 0) {
        close(pipeFds[0]);
        setpgid(0, 0);
        runHelper(options, pipeFds[1], bench);
    }
    close(pipeFds[1]);
    if (helper < 0) {
        error = std::string("fork: ") + std::strerror(errno);
        close(pipeFds[0]);
        return false;
    }
    setpgid(helper, helper); // both sides set it, so neither has to wait for the other
    registerGroup(helper);
    m_helper = helper;

    std::vector<Report> reports(static_cast<std::size_t>(options.processes));
    for (int received = 0; received < options.processes; ++received) {
        Report report;
        if (!readAll(pipeFds[0], &report, sizeof report)) {
            error = "the fixture stopped after " + std::to_string(received) + " of " + std::to_string(options.processes)
                + " processes";
            break;
        }
        if (report.error != 0) {
            error = "fixture process " + std::to_string(report.index) + ": " + std::strerror(report.error);
            break;
        }
        reports[static_cast<std::size_t>(report.index)] = report;
    }
    close(pipeFds[0]);
    if (!error.empty()) {
        stop();
        return false;
    }
    m_processes = options.processes;
    m_sockets = options.sockets;
    m_pids.clear();
    for (const Report &report : reports)
        m_pids.push_back(report.pid);

    // Watched ports held by processes spread over the fixture's age range, one distinct port each.
    const int holders = std::min(options.processes, options.sockets);
    m_watched.clear();
    for (int k = 0; k < options.watched && holders > 0; ++k) {
        const int start = static_cast<int>((2LL * k + 1) * holders / (2LL * options.watched));
        for (int step = 0; step < holders; ++step) {
            const Report &report = reports[static_cast<std::size_t>((start + step) % holders)];
            const bool taken = std::any_of(m_watched.cbegin(), m_watched.cend(), [&report](const HeldSocket &held) {
                return held.port == report.firstPort || held.pid == report.pid;
            });
            if (!report.hasSocket || taken)
                continue;
            m_watched.push_back({static_cast<SocketKind>(report.firstKind), report.firstPort, report.pid});
            break;
        }
    }
    return true;
}

namespace {

// "sockets: used N" of /proc/net/sockstat: the sockets allocated on the machine, or -1.
long socketsInUse()
{
    char text[512];
    const int fd = open("/proc/net/sockstat", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    const ssize_t length = read(fd, text, sizeof text - 1);
    close(fd);
    if (length <= 0)
        return -1;
    text[length] = '\0';
    const char *used = std::strstr(text, "sockets: used ");
    return used != nullptr ? std::strtol(used + std::strlen("sockets: used "), nullptr, 10) : -1;
}

void waitForSocketsReleased()
{
    constexpr int stepMs = 100;
    constexpr int steadySteps = 5;
    constexpr int maxSteps = 100; // 10 s
    long last = socketsInUse();
    int steady = 0;
    for (int step = 0; step < maxSteps && last >= 0 && steady < steadySteps; ++step) {
        usleep(stepMs * 1000);
        const long now = socketsInUse();
        steady = now == last ? steady + 1 : 0;
        last = now;
    }
}

} // namespace

void BusyHost::stop()
{
    const bool wasRunning = m_helper > 0;
    if (m_helper > 0)
        killGroup(m_helper);
    if (wasRunning)
        waitForSocketsReleased();
    m_helper = -1;
    m_pids.clear();
    m_watched.clear();
    m_processes = 0;
    m_sockets = 0;
}

std::uint64_t BusyHost::countDescriptors() const
{
    std::uint64_t total = 0;
    for (const pid_t pid : m_pids) {
        const std::string path = "/proc/" + std::to_string(pid) + "/fd";
        DIR *dir = opendir(path.c_str());
        if (dir == nullptr)
            continue;
        while (const dirent *entry = readdir(dir)) {
            if (entry->d_name[0] != '.')
                ++total;
        }
        closedir(dir);
    }
    return total;
}

SocketHolder::~SocketHolder()
{
    stop();
}

bool SocketHolder::start(const std::vector<HeldSocket> &wanted, std::string &error)
{
    stop();
    if (wanted.empty() || wanted.size() > static_cast<std::size_t>(kMaxHeld)) {
        error = "a holder takes 1 to " + std::to_string(kMaxHeld) + " sockets";
        return false;
    }
    std::string list;
    for (const HeldSocket &held : wanted)
        list += (list.empty() ? "" : ",") + std::to_string(static_cast<int>(held.kind)) + ":" + std::to_string(held.port);
    char self[PATH_MAX];
    const ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
    if (length <= 0) {
        error = std::string("/proc/self/exe: ") + std::strerror(errno);
        return false;
    }
    self[length] = '\0';
    std::string parent = std::to_string(getpid());
    std::string option = kHoldSocketsOption;
    char *argv[] = {self, option.data(), list.data(), parent.data(), nullptr};

    int pipeFds[2];
    if (pipe2(pipeFds, O_CLOEXEC) != 0) {
        error = std::string("pipe: ") + std::strerror(errno);
        return false;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipeFds[1], 3); // dup2 clears close-on-exec on 3
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attributes, 0); // a group of its own, so killGroup() takes it
    pid_t pid = -1;
    const int status = posix_spawn(&pid, self, &actions, &attributes, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    close(pipeFds[1]);
    if (status != 0) {
        error = std::string("posix_spawn: ") + std::strerror(status);
        close(pipeFds[0]);
        return false;
    }
    registerGroup(pid);
    m_pid = pid;
    HolderReport report;
    const bool ok = readAll(pipeFds[0], &report, sizeof report);
    close(pipeFds[0]);
    if (!ok || report.error != 0) {
        error = !ok ? std::string("the holder process died")
                    : std::string(toString(wanted[static_cast<std::size_t>(report.failedIndex)].kind)) + " port "
                + std::to_string(wanted[static_cast<std::size_t>(report.failedIndex)].port) + ": "
                + std::strerror(report.error);
        stop();
        return false;
    }
    m_sockets = wanted;
    for (std::size_t i = 0; i < m_sockets.size(); ++i) {
        m_sockets[i].port = report.ports[i];
        m_sockets[i].pid = pid;
    }
    return true;
}

void SocketHolder::stop()
{
    if (m_pid > 0)
        killGroup(m_pid);
    m_pid = -1;
    m_sockets.clear();
}

void runSocketHolder(const char *sockets, const char *parent)
{
    if (!followParent(static_cast<pid_t>(std::strtol(parent, nullptr, 10))))
        _exit(0);
    const int reportFd = keepOnly(3);
    HolderReport report;
    int index = 0;
    for (const char *at = sockets; *at != '\0' && index < kMaxHeld; ++index) {
        char *end = nullptr;
        const long kind = std::strtol(at, &end, 10);
        const long port = *end == ':' ? std::strtol(end + 1, &end, 10) : -1;
        if (kind < 0 || kind > 3 || port < 0 || port > 65535) {
            report.error = EINVAL;
            report.failedIndex = index;
            break;
        }
        auto bound = static_cast<std::uint16_t>(port);
        const int fd = openSocket(static_cast<SocketKind>(kind), bound, index % 2 == 0);
        if (fd < 0) {
            report.error = -fd;
            report.failedIndex = index;
            break;
        }
        report.ports[index] = bound;
        at = *end == ',' ? end + 1 : end;
    }
    writeAll(reportFd, &report, sizeof report);
    close(reportFd);
    idleForever();
}

} // namespace portwatch::bench
