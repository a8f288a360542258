// Table and JSON output of portwatch-cli.
#include "output.h"

#include "core/listenertext.h"
#include "platform/accounts.h"
#include "core/servicenames.h"

#include <QDateTime>
#include <QJsonValue>
#include <QStringList>

#include <algorithm>
#include <cstdio>


namespace portwatch::cli {
namespace {

bool needsEscape(char32_t c)
{
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) // C0, DEL, C1 (0x9b is a one-byte CSI)
        || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) // bidi embeddings, overrides, isolates
        || c == 0x200e || c == 0x200f || c == 0x061c; // bidi marks
}

QString escapeChar(char32_t c)
{
    switch (c) {
    case 0x1b:
        return QStringLiteral("\\e");
    case '\n':
        return QStringLiteral("\\n");
    case '\r':
        return QStringLiteral("\\r");
    case '\t':
        return QStringLiteral("\\t");
    default:
        break;
    }
    if (c <= 0xff)
        return QStringLiteral("\\x%1").arg(uint(c), 2, 16, QLatin1Char('0'));
    return QStringLiteral("\\u%1").arg(uint(c), 4, 16, QLatin1Char('0'));
}

QString escapeAll(const QString &text)
{
    QString result;
    result.reserve(text.size());
    for (const char32_t c : text.toUcs4()) {
        if (needsEscape(c))
            result += escapeChar(c);
        else
            result += QString::fromUcs4(&c, 1);
    }
    return result;
}

// The last line of defence. Text output escapes process data field by field; JSON output leaves C1
// and bidi characters raw (valid JSON). "\u009b" is both readable and a JSON escape of the same
// character, so this keeps JSON valid and equal in meaning.
void write(FILE *stream, const QString &raw)
{
    QString text;
    text.reserve(raw.size());
    for (const char32_t c : raw.toUcs4()) {
        if (c != '\n' && needsEscape(c))
            text += QStringLiteral("\\u%1").arg(uint(c), 4, 16, QLatin1Char('0'));
        else
            text += QString::fromUcs4(&c, 1);
    }
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, static_cast<size_t>(bytes.size()), stream);
    std::fflush(stream);
}

} // namespace

QString escaped(const QString &text)
{
    const bool clean = std::none_of(text.begin(), text.end(), [](QChar c) {
        return needsEscape(c.unicode());
    });
    return clean ? text : escapeAll(text);
}

QString escaped(const std::string &text)
{
    return escaped(QString::fromStdString(text));
}

// Why an owner can be missing: without privileges, other users' processes are hidden; with them,
// only what the OS itself does not tell (platform::unseenOwnerReason).
QString invisibleHint(const platform::Listener &listener)
{
    if (platform::isPrivileged())
        return QString::fromStdString(platform::unseenOwnerReason());
    const QString elevated = QString::fromStdString(platform::elevationHint());
    if (listener.user.empty())
        return QStringLiteral("run %1 to see it").arg(elevated);
    return QStringLiteral("run as %1 or %2 to see it").arg(escaped(listener.user), elevated);
}

const char *expectedText(Verdict verdict)
{
    switch (verdict) {
    case Verdict::Expected:
        return "yes";
    case Verdict::Unexpected:
        return "no";
    case Verdict::Unknown:
        return "unknown";
    }
    return "unknown";
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
            .arg(escaped(listener.user));
    return QStringLiteral("%1 (pid %2, %3)").arg(escaped(owner->name)).arg(owner->pid).arg(escaped(owner->user));
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
            rows.append({proto, address, service, QStringLiteral("-"), escaped(listener.user),
                         QStringLiteral("(owner not visible)"), invisibleHint(listener)});
        }
        for (const platform::ProcessInfo &owner : listener.owners)
            rows.append({proto, address, service, QString::number(owner.pid), escaped(owner.user), escaped(owner.name),
                         escaped(owner.cmdline.empty() ? QString::fromStdString(owner.exe) : listenertext::commandLine(owner))});
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
