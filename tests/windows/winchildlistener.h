// WinChildListener: starts the Windows portwatch-test-listener (tests/support/winlistener.cpp) as a
// child of the test, waits for its READY line, and ends it on destruction (it is our own child).
//
//   WinChildListener child({"tcp:127.0.0.1:0", "udp:[::]:0"}, {"--window"});
//   QVERIFY2(child.start(), qPrintable(child.error()));
#pragma once

#include <QList>
#include <QProcess>
#include <QRegularExpression>
#include <QString>
#include <QStringList>

#ifndef PORTWATCH_TEST_LISTENER
#error "link the test with portwatch_test_support (it defines PORTWATCH_TEST_LISTENER)"
#endif

namespace portwatch::testing {

// The build writes Linux paths into the tests; under Wine, the Linux file system is drive Z:.
inline QString windowsPath(const char *path)
{
    const QString text = QString::fromUtf8(path);
    return text.startsWith(QLatin1Char('/')) ? QStringLiteral("Z:") + text : text;
}

class WinChildListener {
public:
    explicit WinChildListener(const QStringList &listens, const QStringList &extraArgs = {})
    {
        for (const QString &listen : listens)
            m_arguments << QStringLiteral("--listen") << listen;
        m_arguments << extraArgs;
    }

    ~WinChildListener()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }

    WinChildListener(const WinChildListener &) = delete;
    WinChildListener &operator=(const WinChildListener &) = delete;

    static QString program() { return windowsPath(PORTWATCH_TEST_LISTENER); }

    bool start(int timeoutMs = 20000)
    {
        m_process.setProgram(program());
        m_process.setArguments(m_arguments);
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
        static const QRegularExpression ready(QStringLiteral(R"(^READY pid=(\d+) ports=([\d,]*)\r?$)"));
        const QString line = QString::fromLatin1(output.left(output.indexOf('\n')));
        const QRegularExpressionMatch match = ready.match(line);
        if (!match.hasMatch()) {
            m_error = QStringLiteral("unexpected listener output: %1").arg(line);
            return false;
        }
        m_pid = match.captured(1).toLongLong();
        for (const QString &port : match.captured(2).split(QLatin1Char(','), Qt::SkipEmptyParts))
            m_ports << port.toUShort();
        return true;
    }

    QString error() const { return m_error; }
    qint64 pid() const { return m_pid; }
    QList<quint16> ports() const { return m_ports; }
    bool isRunning() const { return m_process.state() != QProcess::NotRunning; }
    bool waitForExit(int timeoutMs) { return !isRunning() || m_process.waitForFinished(timeoutMs); }
    QProcess &process() { return m_process; }

private:
    QStringList m_arguments;
    QProcess m_process;
    QString m_error;
    qint64 m_pid = 0;
    QList<quint16> m_ports;
};

} // namespace portwatch::testing
