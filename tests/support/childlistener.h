// ChildListener: starts portwatch-test-listener as a child of the test, waits for its READY line and
// ends it (and its forked child) on destruction. Header-only, for tests of every area.
//
//   ChildListener child({"tcp:127.0.0.1:0", "udp:[::]:0"}, {"--fork"});
//   QVERIFY2(child.start(), qPrintable(child.error()));
//   child.pid(); child.ports(); child.childPid();
#pragma once

#include <QList>
#include <QProcess>
#include <QRegularExpression>
#include <QString>
#include <QStringList>

#include <csignal>

#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PORTWATCH_TEST_LISTENER
#error "link the test with portwatch_test_support (it defines PORTWATCH_TEST_LISTENER)"
#endif

// pidfd calls go through syscall(): glibc 2.36's <sys/pidfd.h> lacks extern "C" and does not link from C++.

namespace portwatch::testing {

class ChildListener {
public:
    // `listens` are PROTO:ADDR:PORT values for --listen; `extraArgs` go through as they are
    // ("--fork", "--ignore-term", "--exit-after-ms", "N").
    explicit ChildListener(QStringList listens, QStringList extraArgs = {})
    {
        for (const QString &listen : listens)
            m_arguments << QStringLiteral("--listen") << listen;
        m_arguments << extraArgs;
    }

    ~ChildListener()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
        if (m_childPidfd >= 0) {
            // Signalled through the pidfd: if the child already exited, its PID may be someone else's.
            if (::syscall(SYS_pidfd_send_signal, m_childPidfd, SIGKILL, nullptr, 0) == 0) {
                pollfd fd{m_childPidfd, POLLIN, 0};
                ::poll(&fd, 1, 5000);
            }
            ::close(m_childPidfd);
        }
    }

    ChildListener(const ChildListener &) = delete;
    ChildListener &operator=(const ChildListener &) = delete;

    static QString program() { return QStringLiteral(PORTWATCH_TEST_LISTENER); }

    // Starts the listener and waits for READY; false (see error()) when it failed.
    bool start(int timeoutMs = 10000)
    {
        m_process.setProgram(program());
        m_process.setArguments(m_arguments);
        m_process.setProcessChannelMode(QProcess::SeparateChannels);
        m_process.start();
        if (!m_process.waitForStarted(timeoutMs)) {
            m_error = QStringLiteral("cannot start %1: %2").arg(program(), m_process.errorString());
            return false;
        }
        QByteArray output;
        while (!output.contains('\n')) {
            if (!m_process.waitForReadyRead(timeoutMs)) {
                m_error = QStringLiteral("no READY line from the listener (%1)")
                              .arg(QString::fromLocal8Bit(m_process.readAllStandardError()).trimmed());
                return false;
            }
            output += m_process.readAllStandardOutput();
        }
        static const QRegularExpression ready(QStringLiteral(R"(^READY pid=(\d+) ports=([\d,]*)(?: child=(\d+))?$)"));
        const QString line = QString::fromLatin1(output.left(output.indexOf('\n')));
        const QRegularExpressionMatch match = ready.match(line);
        if (!match.hasMatch()) {
            m_error = QStringLiteral("unexpected listener output: %1").arg(line);
            return false;
        }
        m_pid = match.captured(1).toLongLong();
        for (const QString &port : match.captured(2).split(QLatin1Char(','), Qt::SkipEmptyParts))
            m_ports << port.toUShort();
        if (!match.captured(3).isEmpty()) {
            m_childPid = match.captured(3).toLongLong();
            m_childPidfd = static_cast<int>(::syscall(SYS_pidfd_open, static_cast<pid_t>(m_childPid), 0));
        }
        return true;
    }

    QString error() const { return m_error; }
    qint64 pid() const { return m_pid; }
    qint64 childPid() const { return m_childPid; } // 0 without --fork
    QList<quint16> ports() const { return m_ports; }
    QStringList arguments() const { return m_arguments; }
    QProcess &process() { return m_process; }

    bool isRunning() const { return m_process.state() != QProcess::NotRunning; }
    bool waitForExit(int timeoutMs) { return !isRunning() || m_process.waitForFinished(timeoutMs); }

    // Whether the forked child (--fork) is still alive.
    bool childRunning() const
    {
        if (m_childPidfd < 0)
            return false;
        pollfd fd{m_childPidfd, POLLIN, 0};
        return ::poll(&fd, 1, 0) == 0;
    }

    // Waits for the forked child to exit.
    bool waitForChildExit(int timeoutMs) const
    {
        if (m_childPidfd < 0)
            return true;
        pollfd fd{m_childPidfd, POLLIN, 0};
        return ::poll(&fd, 1, timeoutMs) == 1;
    }

private:
    QStringList m_arguments;
    QProcess m_process;
    QString m_error;
    qint64 m_pid = 0;
    qint64 m_childPid = 0;
    int m_childPidfd = -1;
    QList<quint16> m_ports;
};

} // namespace portwatch::testing
