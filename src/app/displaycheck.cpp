// Reaching the display before Qt tries to: see displaycheck.h.
#include "displaycheck.h"

#include <QDir>
#include <QLocalSocket>
#include <QRegularExpression>
#include <QTcpSocket>

namespace portwatch::displaycheck {

namespace {

// A remote X server may take a moment; a local socket answers at once or never.
constexpr int tcpTimeoutMs = 2000;

bool connectLocal(const QString &path, bool abstract)
{
    QLocalSocket socket;
    if (abstract)
        socket.setSocketOptions(QLocalSocket::AbstractNamespaceOption);
    socket.connectToServer(path);
    const bool connected = socket.waitForConnected(tcpTimeoutMs);
    socket.abort();
    return connected;
}

bool reachX(const QString &display)
{
    const QString address = xServerAddress(display);
    if (address.isEmpty())
        return false;
    if (address.startsWith(QLatin1Char('/'))) {
        // Linux X servers listen on the abstract name too, which also works where /tmp is private.
        return connectLocal(address, false) || connectLocal(address, true);
    }
    const qsizetype colon = address.lastIndexOf(QLatin1Char(':'));
    QTcpSocket socket;
    socket.connectToHost(address.left(colon), quint16(address.mid(colon + 1).toUInt()));
    const bool connected = socket.waitForConnected(tcpTimeoutMs);
    socket.abort();
    return connected;
}

QString waylandSocket(const QString &name)
{
    if (QDir::isAbsolutePath(name))
        return name;
    const QString runtime = qEnvironmentVariable("XDG_RUNTIME_DIR");
    return runtime.isEmpty() ? QString() : runtime + QLatin1Char('/') + name;
}

} // namespace

QString xServerAddress(const QString &display)
{
    // [host]:display[.screen], host "unix" or empty for the local socket; "host/unix:n" as xcb has it.
    static const QRegularExpression form(QStringLiteral("^(?:([^:/]*)(?:/unix)?)?:(\\d+)(?:\\.\\d+)?$"));
    const QRegularExpressionMatch match = form.match(display);
    if (!match.hasMatch())
        return {};
    const QString host = match.captured(1);
    const uint number = match.captured(2).toUInt();
    if (host.isEmpty() || host == QLatin1String("unix") || display.contains(QLatin1String("/unix:")))
        return QStringLiteral("/tmp/.X11-unix/X%1").arg(number);
    return QStringLiteral("%1:%2").arg(host).arg(6000 + number);
}

QString problem()
{
    // Empty counts as unset: `DISPLAY= portwatch` has no display, and an empty QT_QPA_PLATFORM picks none.
    if (!qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        return {};
    const QString display = qEnvironmentVariable("DISPLAY");
    const QString wayland = qEnvironmentVariable("WAYLAND_DISPLAY");
    if (display.isEmpty() && wayland.isEmpty())
        return QStringLiteral("no display (neither DISPLAY nor WAYLAND_DISPLAY is set)");

    QStringList why;
    if (!wayland.isEmpty()) {
        const QString socket = waylandSocket(wayland);
        if (!socket.isEmpty() && connectLocal(socket, false))
            return {};
        why.append(socket.isEmpty()
                       ? QStringLiteral("WAYLAND_DISPLAY is \"%1\" but XDG_RUNTIME_DIR is not set").arg(wayland)
                       : QStringLiteral("no Wayland compositor answers at %1 (WAYLAND_DISPLAY)").arg(socket));
    }
    if (!display.isEmpty()) {
        if (reachX(display))
            return {};
        const QString address = xServerAddress(display);
        why.append(address.isEmpty()
                       ? QStringLiteral("DISPLAY is \"%1\", which names no X display").arg(display)
                       : QStringLiteral("no X server answers for DISPLAY=%1 (at %2)").arg(display, address));
    }
    return QStringLiteral("no display reachable: %1").arg(why.join(QStringLiteral("; ")));
}

} // namespace portwatch::displaycheck
