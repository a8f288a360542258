// Quit on termination signals: see quitsignals.h.
#include "quitsignals.h"

#include <QCoreApplication>
#include <QSocketNotifier>

#include <spdlog/spdlog.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>

#include <sys/socket.h>
#include <unistd.h>

namespace portwatch::quitsignals {

namespace {

// A handler may only do async-signal-safe things: it writes the signal number to a socket that the
// event loop watches (the self-pipe trick).
int g_writeFd = -1;

void onSignal(int signal)
{
    const int savedErrno = errno;
    const unsigned char byte = static_cast<unsigned char>(signal);
    [[maybe_unused]] const ssize_t written = ::write(g_writeFd, &byte, 1);
    errno = savedErrno;
}

} // namespace

bool install(QObject *parent)
{
    std::array<int, 2> fds{};
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds.data()) != 0) {
        spdlog::warn("cannot route termination signals to a clean shutdown: {}", std::strerror(errno));
        return false;
    }
    g_writeFd = fds[0];
    auto *notifier = new QSocketNotifier(fds[1], QSocketNotifier::Read, parent);
    QObject::connect(notifier, &QSocketNotifier::activated, notifier, [readFd = fds[1]] {
        unsigned char signal = 0;
        if (::read(readFd, &signal, 1) == 1)
            spdlog::info("signal {} received; shutting down", int(signal));
        QCoreApplication::quit();
    });

    struct sigaction action {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    for (const int signal : {SIGTERM, SIGINT, SIGHUP}) {
        if (::sigaction(signal, &action, nullptr) != 0) {
            spdlog::warn("cannot handle signal {}: {}", signal, std::strerror(errno));
            return false;
        }
    }
    return true;
}

} // namespace portwatch::quitsignals
