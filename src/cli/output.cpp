// Table and JSON output of portwatch-cli.
#include "output.h"

#include "core/listenertext.h"
#include "core/servicenames.h"

#include <QDateTime>
#include <QJsonValue>
#include <QStringList>

#include <algorithm>
#include <cstdio>

#include <unistd.h>

namespace portwatch::cli {
namespace {

void write(FILE *stream, const QString &text)
{
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, static_cast<size_t>(bytes.size()), stream);
    std::fflush(stream);
}

} // namespace

// Why an owner can be missing: without privileges, other users' processes are hidden; as root, only
// processes outside our PID namespace (containers, sandboxes) or sockets with no process at all are.
QString invisibleHint(const platform::Listener &listener)
{
    if (::geteuid() == 0)
        return QStringLiteral("held outside this PID namespace, or by no process");
    return QStringLiteral("run as %1 or with sudo to see it").arg(QString::fromStdString(listener.user));
}

QString socketText(const platform::SocketEntry &socket)
{
    return QStringLiteral("%1 %2").arg(QLatin1String(platform::toString(socket.protocol)), listenertext::address(socket));
}

QString ownerText(const platform::Listener &listener, const platform::ProcessInfo *owner)
{
    if (!owner)
        return QStringLiteral("owner not visible (uid %1, %2)")
            .arg(listener.socket.uid)
            .arg(QString::fromStdString(listener.user));
    return QStringLiteral("%1 (pid %2, %3)")
        .arg(QString::fromStdString(owner->name))
        .arg(owner->pid)
        .arg(QString::fromStdString(owner->user));
}

QJsonObject listenerToJson(const platform::Listener &listener, const platform::ProcessInfo *owner)
{
    const platform::SocketEntry &socket = listener.socket;
    QJsonObject object{
        {QStringLiteral("protocol"), QLatin1String(platform::toString(socket.protocol))},
        {QStringLiteral("family"), QLatin1String(platform::toString(socket.family))},
        {QStringLiteral("address"), QString::fromStdString(socket.address)},
        {QStringLiteral("port"), socket.port},
        // JSON numbers are doubles: inodes stay exact up to 2^53, far beyond what kernels hand out.
        {QStringLiteral("inode"), static_cast<double>(socket.inode)},
        {QStringLiteral("uid"), static_cast<double>(socket.uid)},
        {QStringLiteral("user"), QString::fromStdString(listener.user)},
    };
    if (!owner) {
        for (const char *key : {"pid", "process", "exe", "cmdline", "startTime"})
            object.insert(QLatin1String(key), QJsonValue::Null);
        return object;
    }
    QJsonArray cmdline;
    for (const std::string &word : owner->cmdline)
        cmdline.append(QString::fromStdString(word));
    object.insert(QStringLiteral("pid"), owner->pid);
    object.insert(QStringLiteral("process"), QString::fromStdString(owner->name));
    object.insert(QStringLiteral("exe"), owner->exe.empty() ? QJsonValue(QJsonValue::Null)
                                                            : QJsonValue(QString::fromStdString(owner->exe)));
    object.insert(QStringLiteral("cmdline"), owner->cmdline.empty() ? QJsonValue(QJsonValue::Null) : QJsonValue(cmdline));
    object.insert(QStringLiteral("startTime"),
                  owner->startTimeMs > 0
                      ? QJsonValue(QDateTime::fromMSecsSinceEpoch(owner->startTimeMs, Qt::UTC).toString(Qt::ISODateWithMs))
                      : QJsonValue(QJsonValue::Null));
    return object;
}

QJsonArray listenersToJson(const QList<platform::Listener> &listeners)
{
    QJsonArray array;
    for (const platform::Listener &listener : listeners) {
        if (listener.owners.empty())
            array.append(listenerToJson(listener, nullptr));
        for (const platform::ProcessInfo &owner : listener.owners)
            array.append(listenerToJson(listener, &owner));
    }
    return array;
}

QString listenersTable(const QList<platform::Listener> &listeners)
{
    QList<QStringList> rows{{QStringLiteral("PROTO"), QStringLiteral("ADDRESS"), QStringLiteral("SERVICE"), QStringLiteral("PID"),
                             QStringLiteral("USER"), QStringLiteral("PROCESS"), QStringLiteral("COMMAND")}};
    for (const platform::Listener &listener : listeners) {
        const QString proto = QString::fromLatin1(platform::toString(listener.socket.protocol))
            + (listener.socket.family == platform::Family::IPv6 ? QStringLiteral("6") : QString());
        const QString address = listenertext::address(listener.socket);
        QString service = servicenames::name(listener.socket.protocol, listener.socket.port);
        if (service.isEmpty())
            service = QStringLiteral("-");
        if (listener.owners.empty()) {
            rows.append({proto, address, service, QStringLiteral("-"), QString::fromStdString(listener.user),
                         QStringLiteral("(owner not visible)"), invisibleHint(listener)});
        }
        for (const platform::ProcessInfo &owner : listener.owners)
            rows.append({proto, address, service, QString::number(owner.pid), QString::fromStdString(owner.user),
                         QString::fromStdString(owner.name), (owner.cmdline.empty() ? QString::fromStdString(owner.exe) : listenertext::commandLine(owner))});
    }
    QList<qsizetype> widths(rows.first().size(), 0);
    for (const QStringList &row : rows)
        for (qsizetype column = 0; column < row.size(); ++column)
            widths[column] = std::max(widths[column], row[column].size());
    QString text;
    for (const QStringList &row : rows) {
        QString line;
        for (qsizetype column = 0; column < row.size(); ++column) {
            // The last column (command line) is left unpadded so long commands don't add trailing blanks.
            line += column + 1 < row.size() ? row[column].leftJustified(widths[column] + 2) : row[column];
        }
        text += line + QLatin1Char('\n');
    }
    return text;
}

void out(const QString &text)
{
    write(stdout, text);
}

void err(const QString &text)
{
    write(stderr, text);
}

} // namespace portwatch::cli
