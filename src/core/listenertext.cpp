// Listener wording: see listenertext.h.
#include "listenertext.h"

#include <QCoreApplication>

namespace portwatch::listenertext {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("portwatch::listenertext", text);
}
} // namespace

QString port(const platform::SocketEntry &socket)
{
    return QStringLiteral("%1/%2").arg(QString::fromLatin1(platform::toString(socket.protocol))).arg(socket.port);
}

QString address(const platform::SocketEntry &socket)
{
    const QString host = QString::fromStdString(socket.address);
    if (socket.family == platform::Family::IPv6)
        return QStringLiteral("[%1]:%2").arg(host).arg(socket.port);
    return QStringLiteral("%1:%2").arg(host).arg(socket.port);
}

QString processName(const platform::ProcessInfo &process)
{
    if (!process.name.empty())
        return QString::fromStdString(process.name);
    if (!process.exe.empty())
        return QString::fromStdString(process.exe.substr(process.exe.find_last_of('/') + 1));
    return tr("pid %1").arg(process.pid);
}

QString owner(const platform::ProcessInfo &process)
{
    const QString user = process.user.empty() ? QString::number(process.uid) : QString::fromStdString(process.user);
    return tr("%1 (pid %2, user %3)").arg(processName(process)).arg(process.pid).arg(user);
}

QString owners(const platform::Listener &listener, const QString &separator)
{
    if (listener.owners.empty()) {
        return listener.ownersVisible ? tr("no visible process")
                                      : tr("owner not visible (user %1)").arg(QString::fromStdString(listener.user));
    }
    QStringList lines;
    for (const platform::ProcessInfo &process : listener.owners)
        lines << owner(process);
    return lines.join(separator);
}

QString commandLine(const platform::ProcessInfo &process)
{
    QStringList parts;
    parts.reserve(static_cast<qsizetype>(process.cmdline.size()));
    for (const std::string &argument : process.cmdline) {
        QString text = QString::fromStdString(argument);
        if (text.isEmpty() || text.contains(QLatin1Char(' ')))
            text = QLatin1Char('\'') + text + QLatin1Char('\'');
        parts << text;
    }
    return parts.join(QLatin1Char(' '));
}

QString localTime(const QDateTime &time)
{
    if (!time.isValid())
        return {};
    return time.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

QString processStart(const platform::ProcessInfo &process)
{
    if (process.startTimeMs <= 0)
        return {};
    return localTime(QDateTime::fromMSecsSinceEpoch(process.startTimeMs));
}

QString verdict(Verdict verdict)
{
    switch (verdict) {
    case Verdict::Expected:
        return tr("whitelisted");
    case Verdict::Unexpected:
        return tr("unexpected");
    case Verdict::Unknown:
        break;
    }
    return tr("owner not visible");
}

QString hiddenOwnerHelp(const platform::Listener &listener)
{
    if (!ownerHidden(listener))
        return {};
    const QString spec = port(listener.socket);
    return tr("Portwatch cannot see which program this is: it runs as user %1, and Portwatch runs without "
              "privileges over it. To see it: sudo portwatch-cli who %2. To stop it: sudo portwatch-cli kill %2.")
        .arg(QString::fromStdString(listener.user.empty() ? std::to_string(listener.socket.uid) : listener.user), spec);
}

} // namespace portwatch::listenertext
