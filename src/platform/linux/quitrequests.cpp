// Quit requests on Linux: SIGTERM, SIGINT and SIGHUP, through the self-pipe trick. See quitrequests.h.
#include "platform/quitrequests.h"

#include <csignal>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>

#include <sys/socket.h>
#include <unistd.h>

namespace portwatch::platform {

namespace {

// A handler may only do async-signal-safe things: it writes the signal number to a socket that a
// thread of ours reads, and that thread calls the callback.
int g_writeFd = -1;

std::mutex g_callbackMutex;
QuitCallback g_callback;

void onSignal(int signal)
{
    const int savedErrno = errno;
    const unsigned char byte = static_cast<unsigned char>(signal);
    [[maybe_unused]] const ssize_t written = ::write(g_writeFd, &byte, 1);
    errno = savedErrno;
}

const char *signalName(int signal)
{
    switch (signal) {
    case SIGTERM:
        return "SIGTERM";
    case SIGINT:
        return "SIGINT";
    case SIGHUP:
        return "SIGHUP";
    }
    return "a signal";
}

bool fail(std::string *error, const std::string &message)
{
    if (error)
        *error = message;
    return false;
}

} // namespace

bool installQuitHandler(QuitCallback onQuit, std::string *error)
{
    {
        const std::lock_guard lock(g_callbackMutex);
        g_callback = std::move(onQuit);
    }
    if (g_writeFd >= 0)
        return true; // the handlers and the reading thread are already in place

    int fds[2] = {-1, -1};
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
        return fail(error, std::string("cannot route termination signals: ") + std::strerror(errno));
    g_writeFd = fds[0];
    // The thread lives as long as the process; it blocks in read() and costs nothing while waiting.
    std::thread([readFd = fds[1]] {
        for (;;) {
            unsigned char signal = 0;
            const ssize_t got = ::read(readFd, &signal, 1);
            if (got < 0 && errno == EINTR)
                continue;
            if (got != 1)
                return;
            QuitCallback callback;
            {
                const std::lock_guard lock(g_callbackMutex);
                callback = g_callback;
            }
            if (callback)
                callback(signalName(signal));
        }
    }).detach();

    struct sigaction action {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    for (const int signal : {SIGTERM, SIGINT, SIGHUP}) {
        if (::sigaction(signal, &action, nullptr) != 0)
            return fail(error, std::string("cannot handle ") + signalName(signal) + ": " + std::strerror(errno));
    }
    return true;
}

} // namespace portwatch::platform
