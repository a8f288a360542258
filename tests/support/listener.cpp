// portwatch-test-listener: a process that holds sockets for tests, so that every process a test
// kills is one it started itself.
//
//   portwatch-test-listener [--listen PROTO:ADDR:PORT]... [--fork] [--ignore-term] [--exit-after-ms N]
//                           [--name COMM] [--label TEXT] [--orphan-ms N]
//
// PROTO is tcp or udp; ADDR is 127.0.0.1, 0.0.0.0, [::1] or [::]; PORT 0 picks an ephemeral port.
// Binds (and for TCP listens on) every socket, forks a child that keeps them with --fork, prints
//   READY pid=<pid> ports=<p1>,<p2>,... [child=<childpid>]
// on stdout, then sleeps until signalled. --ignore-term ignores SIGTERM (in the child too). --name
// sets the process name others see; --label only puts its text into the command line. --orphan-ms
// N hands the sockets to no process for N ms after READY (in flight over a socketpair), then
// closes them: a socket whose owner is exiting, as `kill` may meet it.
// It also exits when the process that started it exits, so a crashed test leaves nothing behind.
// Errors: a message on stderr and exit status 2.
#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace {

struct Endpoint {
    bool tcp = true;
    sockaddr_storage address{};
    socklen_t length = 0;
    std::string text;
};

[[noreturn]] void fail(const std::string &message)
{
    std::fprintf(stderr, "portwatch-test-listener: %s\n", message.c_str());
    std::exit(2);
}

bool parsePort(std::string_view text, std::uint16_t &port)
{
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value > 65535)
        return false;
    port = static_cast<std::uint16_t>(value);
    return true;
}

Endpoint parseEndpoint(const std::string &spec)
{
    Endpoint endpoint;
    endpoint.text = spec;
    const auto protoEnd = spec.find(':');
    const auto portStart = spec.rfind(':');
    if (protoEnd == std::string::npos || portStart == protoEnd)
        fail("bad --listen value '" + spec + "' (expected PROTO:ADDR:PORT)");
    const std::string proto = spec.substr(0, protoEnd);
    std::string host = spec.substr(protoEnd + 1, portStart - protoEnd - 1);
    if (proto != "tcp" && proto != "udp")
        fail("bad protocol '" + proto + "' in '" + spec + "' (tcp or udp)");
    endpoint.tcp = proto == "tcp";
    std::uint16_t port = 0;
    if (!parsePort(std::string_view(spec).substr(portStart + 1), port))
        fail("bad port in '" + spec + "'");

    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
        auto *v6 = reinterpret_cast<sockaddr_in6 *>(&endpoint.address);
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) != 1)
            fail("bad IPv6 address '" + host + "' in '" + spec + "'");
        endpoint.length = sizeof(sockaddr_in6);
    } else {
        auto *v4 = reinterpret_cast<sockaddr_in *>(&endpoint.address);
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) != 1)
            fail("bad IPv4 address '" + host + "' in '" + spec + "' (IPv6 goes in brackets)");
        endpoint.length = sizeof(sockaddr_in);
    }
    return endpoint;
}

std::vector<int> boundFds;

std::uint16_t bindEndpoint(const Endpoint &endpoint)
{
    const int fd = ::socket(endpoint.address.ss_family, endpoint.tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
    if (fd < 0)
        fail("socket() for '" + endpoint.text + "': " + std::strerror(errno));
    boundFds.push_back(fd);
    if (endpoint.tcp) {
        // A test may re-bind a port its previous listener just released.
        const int on = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    }
    if (::bind(fd, reinterpret_cast<const sockaddr *>(&endpoint.address), endpoint.length) != 0)
        fail("bind '" + endpoint.text + "': " + std::strerror(errno));
    if (endpoint.tcp && ::listen(fd, 16) != 0)
        fail("listen '" + endpoint.text + "': " + std::strerror(errno));
    sockaddr_storage bound{};
    socklen_t length = sizeof bound;
    if (::getsockname(fd, reinterpret_cast<sockaddr *>(&bound), &length) != 0)
        fail("getsockname '" + endpoint.text + "': " + std::strerror(errno));
    return ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<const sockaddr_in6 *>(&bound)->sin6_port
                                             : reinterpret_cast<const sockaddr_in *>(&bound)->sin_port);
}

// Puts every bound socket in flight: sent over a socketpair nobody reads, and closed here. Until the
// pair is closed, the sockets exist with no process holding them, as while their owner exits.
int orphanSockets()
{
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair) != 0)
        fail(std::string("socketpair: ") + std::strerror(errno));
    for (const int fd : boundFds) {
        char byte = 0;
        iovec data{&byte, 1};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
        msghdr message{};
        message.msg_iov = &data;
        message.msg_iovlen = 1;
        message.msg_control = control;
        message.msg_controllen = sizeof control;
        cmsghdr *header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(header), &fd, sizeof fd);
        if (::sendmsg(pair[0], &message, 0) != 1)
            fail(std::string("sendmsg: ") + std::strerror(errno));
        ::close(fd);
    }
    ::close(pair[0]);
    return pair[1]; // closing it drops the queued messages, and the sockets with them
}

// Sleeps until a signal ends us, the deadline passes, or the watched process (our starter) exits.
[[noreturn]] void waitForever(int starterPidfd, long exitAfterMs, std::chrono::steady_clock::time_point start)
{
    for (;;) {
        int timeout = -1;
        if (exitAfterMs >= 0) {
            const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
            if (elapsed >= exitAfterMs)
                ::_exit(0);
            timeout = static_cast<int>(exitAfterMs - elapsed);
        }
        pollfd fd{starterPidfd, POLLIN, 0};
        const int ready = ::poll(&fd, starterPidfd >= 0 ? 1 : 0, timeout);
        if (ready > 0)
            ::_exit(0);
    }
}

} // namespace

int main(int argc, char **argv)
{
    const auto start = std::chrono::steady_clock::now();
    std::vector<Endpoint> endpoints;
    bool forkChild = false;
    bool ignoreTerm = false;
    long exitAfterMs = -1;
    long orphanMs = -1;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const auto value = [&]() -> std::string {
            if (i + 1 >= argc)
                fail(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--listen") {
            endpoints.push_back(parseEndpoint(value()));
        } else if (arg == "--fork") {
            forkChild = true;
        } else if (arg == "--ignore-term") {
            ignoreTerm = true;
        } else if (arg == "--orphan-ms") {
            const std::string text = value();
            const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), orphanMs);
            if (ec != std::errc() || end != text.data() + text.size() || orphanMs < 0)
                fail("bad --orphan-ms value '" + text + "'");
        } else if (arg == "--name") {
            // The process name (comm) others see, for tests of how process data is shown.
            const std::string name = value();
            ::prctl(PR_SET_NAME, name.c_str(), 0, 0, 0);
        } else if (arg == "--label") {
            value(); // only there to be seen in the command line
        } else if (arg == "--exit-after-ms") {
            const std::string text = value();
            const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), exitAfterMs);
            if (ec != std::errc() || end != text.data() + text.size() || exitAfterMs < 0)
                fail("bad --exit-after-ms value '" + text + "'");
        } else {
            fail("unknown argument '" + arg + "'; usage: portwatch-test-listener [--listen PROTO:ADDR:PORT]... "
                 "[--fork] [--ignore-term] [--exit-after-ms N] [--name COMM] [--label TEXT] [--orphan-ms N]");
        }
    }

    if (ignoreTerm)
        std::signal(SIGTERM, SIG_IGN); // inherited by the forked child

    // Watch the starter through a pidfd (inherited by the child): no PID reuse, no thread caveats
    // as with PR_SET_PDEATHSIG, and the child outlives our own death as tests expect.
    const int starterPidfd = static_cast<int>(::syscall(SYS_pidfd_open, ::getppid(), 0));

    std::string ports;
    for (const Endpoint &endpoint : endpoints) {
        if (!ports.empty())
            ports += ',';
        ports += std::to_string(bindEndpoint(endpoint));
    }

    const int inFlight = orphanMs >= 0 ? orphanSockets() : -1;
    std::string ready = "READY pid=" + std::to_string(::getpid()) + " ports=" + ports;
    if (forkChild) {
        const pid_t child = ::fork();
        if (child < 0)
            fail(std::string("fork: ") + std::strerror(errno));
        if (child == 0) {
            // The child keeps the sockets but lets go of the starter's pipes, so nobody waits on it.
            const int devNull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
            if (devNull >= 0) {
                ::dup2(devNull, STDOUT_FILENO);
                ::dup2(devNull, STDERR_FILENO);
            }
            waitForever(starterPidfd, exitAfterMs, start);
        }
        ready += " child=" + std::to_string(child);
    }
    ready += '\n';
    if (::write(STDOUT_FILENO, ready.data(), ready.size()) != static_cast<ssize_t>(ready.size()))
        fail(std::string("writing READY: ") + std::strerror(errno));
    if (inFlight >= 0) {
        ::poll(nullptr, 0, static_cast<int>(orphanMs));
        ::close(inFlight);
    }
    waitForever(starterPidfd, exitAfterMs, start);
}
