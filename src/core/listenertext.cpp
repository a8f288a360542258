// Listener wording: see listenertext.h.
#include "listenertext.h"

#include "servicenames.h"

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

QString portAndService(const platform::SocketEntry &socket)
{
    const QString service = servicenames::name(socket.protocol, socket.port);
    return service.isEmpty() ? port(socket) : QStringLiteral("%1 %2").arg(port(socket), service);
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

QString commandOwner(const platform::ProcessInfo &process, int maxChars)
{
    const QString user = process.user.empty() ? QString::number(process.uid) : QString::fromStdString(process.user);
    return tr("%1 (pid %2, user %3)").arg(shortCommand(process, maxChars)).arg(process.pid).arg(user);
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

QString shortCommand(const platform::ProcessInfo &process, int maxChars)
{
    if (process.cmdline.empty())
        return processName(process);
    // Arguments that are paths stay recognisable by their last part; 40 characters is about where a
    // path stops being read and starts being skipped.
    constexpr qsizetype longPath = 40;
    QStringList parts;
    for (std::size_t i = 0; i < process.cmdline.size(); ++i) {
        QString text = QString::fromStdString(process.cmdline[i]);
        const qsizetype slash = text.lastIndexOf(QLatin1Char('/'));
        if (i == 0 && slash >= 0 && slash + 1 < text.size())
            text = text.mid(slash + 1);
        else if (text.size() > longPath && text.startsWith(QLatin1Char('/')) && slash > 0 && slash + 1 < text.size())
            text = QStringLiteral("…/") + text.mid(slash + 1);
        if (text.isEmpty() || text.contains(QLatin1Char(' ')))
            text = QLatin1Char('\'') + text + QLatin1Char('\'');
        parts << text;
    }
    QString text = parts.join(QLatin1Char(' '));
    if (maxChars > 1 && text.size() > maxChars)
        text = text.left(maxChars - 1).trimmed() + QStringLiteral("…");
    return text;
}

QString parent(const platform::ProcessInfo &process)
{
    if (process.ppid <= 0)
        return {};
    if (process.parentName.empty())
        return tr("pid %1").arg(process.ppid);
    return tr("%1 (pid %2)").arg(QString::fromStdString(process.parentName)).arg(process.ppid);
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
