// The processes of the PID-reuse race: see racechildren.h.
#include "racechildren.h"

#include <cerrno>
#include <csignal>
#include <ctime>
#include <initializer_list>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace portwatch::stress {

namespace {

constexpr int selfExitStatus = 3;
constexpr int signalledStatus = 10; // plus the signal number

// Per child process (each child has its own copy after fork).
int g_logFd = -1;
std::int32_t g_cycle = 0;

void onListenerSignal(int signal)
{
    ::_exit(signalledStatus + signal);
}

void onDecoySignal(int signal)
{
    const int savedErrno = errno;
    SignalRecord record;
    record.cycle = g_cycle;
    record.pid = static_cast<std::int32_t>(::getpid());
    record.signal = signal;
    [[maybe_unused]] const ssize_t written = ::write(g_logFd, &record, sizeof record);
    errno = savedErrno;
}

void handle(int signal, void (*handler)(int))
{
    struct sigaction action {};
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    ::sigaction(signal, &action, nullptr);
}

int listenOn(std::uint16_t port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0 || ::listen(fd, 4) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

void sleepMicroseconds(long microseconds)
{
    timespec left{microseconds / 1000000, (microseconds % 1000000) * 1000};
    while (::nanosleep(&left, &left) != 0 && errno == EINTR) {
    }
}

} // namespace

pid_t forkListener(int readyFd, long exitAfterUs)
{
    const pid_t pid = ::fork();
    if (pid != 0)
        return pid;
    for (const int signal : {SIGTERM, SIGINT, SIGHUP})
        handle(signal, onListenerSignal);
    const int fd = listenOn(0);
    sockaddr_in bound{};
    socklen_t length = sizeof bound;
    if (fd < 0 || ::getsockname(fd, reinterpret_cast<sockaddr *>(&bound), &length) != 0)
        ::_exit(2);
    const std::uint16_t port = ntohs(bound.sin_port);
    if (::write(readyFd, &port, sizeof port) != sizeof port)
        ::_exit(2);
    if (exitAfterUs >= 0) {
        sleepMicroseconds(exitAfterUs);
        ::_exit(selfExitStatus);
    }
    for (;;)
        ::pause();
}

ListenerEnd listenerEnd(int waitStatus)
{
    if (WIFEXITED(waitStatus) && WEXITSTATUS(waitStatus) == selfExitStatus)
        return ListenerEnd::ExitedItself;
    if (WIFEXITED(waitStatus) && WEXITSTATUS(waitStatus) == signalledStatus + SIGTERM)
        return ListenerEnd::Signalled;
    return ListenerEnd::Other;
}

pid_t forkDecoy(int logFd, int cycle, std::uint16_t bindPort, int &controlFd)
{
    int control[2];
    if (::pipe2(control, O_CLOEXEC) != 0)
        return -1;
    const pid_t pid = ::fork();
    if (pid != 0) {
        ::close(control[0]);
        controlFd = control[1];
        return pid;
    }
    ::close(control[1]);
    const int readFd = control[0];
    g_logFd = logFd;
    g_cycle = cycle;
    // Every signal a kill path could send, and the ones a mistaken one might.
    for (const int signal : {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGCONT, SIGPIPE, SIGTSTP})
        handle(signal, onDecoySignal);
    if (bindPort != 0)
        listenOn(bindPort); // may fail if something else took the port meanwhile; the decoy still counts
    char byte = 0;
    for (;;) {
        const ssize_t got = ::read(readFd, &byte, 1);
        if (got == 0 || (got < 0 && errno != EINTR))
            ::_exit(0);
    }
}

} // namespace portwatch::stress
