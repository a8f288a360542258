// Helpers for the process resolver tests: finding the test's own sockets in the socket table, the
// owners of a listener, a loopback listener, and a child that holds one and execs on cue.
#pragma once

#include "platform/processes.h"
#include "platform/sockettable.h"

#include <QByteArray>
#include <QFile>
#include <QFileInfo>
#include <QString>
#include <QStringList>
#include <QtGlobal>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>

namespace portwatch::testing {

// The socket a listener spec ("tcp:127.0.0.1:0", "udp:[::]:0") got on `port`, from the socket table.
// Matched on protocol, address and port: another test may hold the same port on another address.
inline std::optional<platform::SocketEntry> socketOn(const QString &spec, std::uint16_t port)
{
    const QStringList parts = spec.split(QLatin1Char(':'));
    const platform::Protocol protocol = parts.front() == QLatin1String("udp") ? platform::Protocol::Udp : platform::Protocol::Tcp;
    QString address = spec.section(QLatin1Char(':'), 1, -2);
    address.remove(QLatin1Char('[')).remove(QLatin1Char(']'));
    platform::SocketQuery query;
    query.items.push_back({protocol, {port, port}});
    const platform::SocketList list = platform::makeSocketTable()->query(query);
    std::optional<platform::SocketEntry> found;
    for (const platform::SocketEntry &entry : list.sockets) {
        if (QString::fromStdString(entry.address) != address)
            continue;
        if (found)
            return std::nullopt;
        found = entry;
    }
    if (!found)
        qWarning("no %s socket on port %u (%zu on that port; %s)", qPrintable(spec), port, list.sockets.size(), list.error.c_str());
    return found;
}

inline std::set<int> ownerPids(const platform::Listener &listener)
{
    std::set<int> pids;
    for (const platform::ProcessInfo &owner : listener.owners)
        pids.insert(owner.pid);
    return pids;
}

// A listening TCP socket on loopback owned by the calling process; -1 on failure. Without
// `closeOnExec` an exec keeps it, as after fork+exec or socket activation.
inline int listenOnLoopback(std::uint16_t &port, bool closeOnExec = false)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | (closeOnExec ? SOCK_CLOEXEC : 0), 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0 || ::listen(fd, 4) != 0
        || ::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) != 0)
        return -1;
    port = ntohs(address.sin_port);
    return fd;
}

// A child holding a loopback listener that execs `path` with `argv`: when the test calls go(), or,
// with `goAsStdin`, at once, with the go pipe as its standard input (for a shell that reads from it).
// The listener is without close-on-exec, so the exec keeps it; or, with `clearCloseOnExecAtGo`, it
// is close-on-exec until go(), when the child clears the flag just before it execs (as a server
// that re-executes itself in place does). Killed and reaped when destroyed.
class ExecingChild {
public:
    ExecingChild(const QByteArray &path, char *const argv[], bool goAsStdin, bool clearCloseOnExecAtGo = false)
    {
        int portPipe[2];
        int goPipe[2];
        if (::pipe(portPipe) != 0)
            return;
        if (::pipe(goPipe) != 0) {
            ::close(portPipe[0]);
            ::close(portPipe[1]);
            return;
        }
        m_pid = ::fork();
        if (m_pid == 0) {
            std::uint16_t port = 0;
            const int listener = listenOnLoopback(port, clearCloseOnExecAtGo);
            if (listener < 0)
                ::_exit(1);
            (void)!::write(portPipe[1], &port, sizeof port);
            if (goAsStdin) {
                ::dup2(goPipe[0], STDIN_FILENO);
            } else {
                char byte = 0;
                if (::read(goPipe[0], &byte, 1) != 1)
                    ::_exit(1);
            }
            if (clearCloseOnExecAtGo && ::fcntl(listener, F_SETFD, 0) != 0)
                ::_exit(1);
            ::execv(path.constData(), argv);
            ::_exit(1);
        }
        ::close(portPipe[1]);
        ::close(goPipe[0]);
        m_go = goPipe[1];
        if (m_pid > 0 && ::read(portPipe[0], &m_port, sizeof m_port) != sizeof m_port)
            m_port = 0;
        ::close(portPipe[0]);
    }
    ~ExecingChild()
    {
        if (m_go >= 0)
            ::close(m_go);
        if (m_pid > 0) {
            ::kill(m_pid, SIGKILL);
            ::waitpid(m_pid, nullptr, 0);
        }
    }
    ExecingChild(const ExecingChild &) = delete;
    ExecingChild &operator=(const ExecingChild &) = delete;

    // Where sleep is (canonical), and a child that execs "sleep 30" on go(), which keeps the socket.
    static QString sleepPath() { return QFileInfo(QStringLiteral("/bin/sleep")).canonicalFilePath(); }
    static std::unique_ptr<ExecingChild> sleeper(bool clearCloseOnExecAtGo = false)
    {
        char arg0[] = "sleep";
        char arg1[] = "30";
        char *const argv[] = {arg0, arg1, nullptr};
        return std::make_unique<ExecingChild>(sleepPath().toLocal8Bit(), argv, false, clearCloseOnExecAtGo);
    }

    bool started() const { return m_pid > 0 && m_port != 0; }
    pid_t pid() const { return m_pid; }
    std::uint16_t port() const { return m_port; }
    bool go(const QByteArray &bytes = QByteArrayLiteral("x"))
    {
        return ::write(m_go, bytes.constData(), std::size_t(bytes.size())) == bytes.size();
    }
    QByteArray cmdline() const
    {
        QFile file(QStringLiteral("/proc/%1/cmdline").arg(m_pid));
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }
    // After go(): whether the child runs `path` with `cmdline` within 5 s. The exe link changes early
    // in execve(), the argument area only later, so both are waited for.
    bool waitForExec(const QString &path, const QByteArray &expectedCmdline) const
    {
        const auto done = [&] {
            return QFileInfo(QStringLiteral("/proc/%1/exe").arg(m_pid)).canonicalFilePath() == path
                && cmdline() == expectedCmdline;
        };
        for (int waited = 0; waited < 5000 && !done(); waited += 10)
            ::usleep(10000);
        return done();
    }

private:
    pid_t m_pid = -1;
    int m_go = -1;
    std::uint16_t m_port = 0;
};

} // namespace portwatch::testing
