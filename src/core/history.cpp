// The event history on disk: see history.h. One JSON object per line, appended as events happen, so
// a crash loses at most the line being written; the file is rewritten (atomically) only when it has
// grown a quarter past its capacity, which keeps rewrites rare.
#include "history.h"

#include "paths.h"
#include "safefile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QStringList>
#include <QtGlobal>

#include <algorithm>
#include <array>

namespace portwatch {

namespace {

constexpr std::array kinds{
    std::pair{HistoryEvent::Kind::Appeared, "appeared"},
    std::pair{HistoryEvent::Kind::Vanished, "vanished"},
    std::pair{HistoryEvent::Kind::Killed, "killed"},
    std::pair{HistoryEvent::Kind::Whitelisted, "whitelisted"},
};

std::optional<HistoryEvent::Kind> kindFromString(const QString &text)
{
    for (const auto &[kind, name] : kinds) {
        if (text == QLatin1String(name))
            return kind;
    }
    return std::nullopt;
}

QString timeText(const QDateTime &time)
{
    return time.toUTC().toString(Qt::ISODateWithMs);
}

// The history holds process names and command lines: keep it private to the user.
constexpr QFileDevice::Permissions privateFile = QFileDevice::ReadOwner | QFileDevice::WriteOwner;

bool ensureDirectory(const QString &filePath, QString *error)
{
    const QString dir = QFileInfo(filePath).absolutePath();
    if (QDir().mkpath(dir))
        return true;
    if (error)
        *error = QStringLiteral("Cannot create the directory %1").arg(QDir::toNativeSeparators(dir));
    return false;
}

bool writeAtomically(const QString &path, const QByteArray &data, QString *error)
{
    return safefile::write(path, data, error, privateFile);
}

// RFC 4180: a field with a comma, a double quote or a line break is quoted, its quotes doubled.
QString csvField(const QString &value)
{
    if (!value.contains(QLatin1Char(',')) && !value.contains(QLatin1Char('"')) && !value.contains(QLatin1Char('\n'))
        && !value.contains(QLatin1Char('\r')))
        return value;
    QString quoted = value;
    quoted.replace(QLatin1String("\""), QLatin1String("\"\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

QByteArray jsonLine(const HistoryEvent &event)
{
    return QJsonDocument(event.toJson()).toJson(QJsonDocument::Compact) + '\n';
}

} // namespace

QString toString(HistoryEvent::Kind kind)
{
    for (const auto &[k, name] : kinds) {
        if (k == kind)
            return QString::fromLatin1(name);
    }
    return {};
}

QJsonObject HistoryEvent::toJson() const
{
    return QJsonObject{
        {QStringLiteral("time"), timeText(time)},
        {QStringLiteral("kind"), toString(kind)},
        {QStringLiteral("protocol"), QString::fromLatin1(platform::toString(protocol))},
        {QStringLiteral("family"), QString::fromLatin1(platform::toString(family))},
        {QStringLiteral("address"), address},
        {QStringLiteral("port"), int(port)},
        {QStringLiteral("pid"), pid},
        {QStringLiteral("process"), process},
        {QStringLiteral("exe"), exe},
        {QStringLiteral("user"), user},
        {QStringLiteral("expected"), expected},
        {QStringLiteral("detail"), detail},
    };
}

std::optional<HistoryEvent> HistoryEvent::fromJson(const QJsonObject &object)
{
    HistoryEvent event;

    event.time = QDateTime::fromString(object.value(QStringLiteral("time")).toString(), Qt::ISODateWithMs).toUTC();
    const auto kind = kindFromString(object.value(QStringLiteral("kind")).toString());
    if (!event.time.isValid() || !kind)
        return std::nullopt;
    event.kind = *kind;

    const QString protocol = object.value(QStringLiteral("protocol")).toString();
    if (protocol == QLatin1String(platform::toString(platform::Protocol::Tcp)))
        event.protocol = platform::Protocol::Tcp;
    else if (protocol == QLatin1String(platform::toString(platform::Protocol::Udp)))
        event.protocol = platform::Protocol::Udp;
    else
        return std::nullopt;

    const QString family = object.value(QStringLiteral("family")).toString();
    if (family == QLatin1String(platform::toString(platform::Family::IPv4)))
        event.family = platform::Family::IPv4;
    else if (family == QLatin1String(platform::toString(platform::Family::IPv6)))
        event.family = platform::Family::IPv6;
    else
        return std::nullopt;

    const QJsonValue port = object.value(QStringLiteral("port"));
    const QJsonValue pid = object.value(QStringLiteral("pid"));
    if (!port.isDouble() || port.toInt(-1) < 0 || port.toInt(-1) > 65535)
        return std::nullopt;
    if (!pid.isUndefined() && (!pid.isDouble() || pid.toInt(-1) < 0))
        return std::nullopt;
    event.port = quint16(port.toInt());
    event.pid = pid.toInt(0);

    // Text fields are optional, but a value of the wrong type means the line is not ours.
    const std::array<std::pair<const char *, QString *>, 5> texts{{
        {"address", &event.address},
        {"process", &event.process},
        {"exe", &event.exe},
        {"user", &event.user},
        {"detail", &event.detail},
    }};
    for (const auto &[key, target] : texts) {
        const QJsonValue value = object.value(QLatin1String(key));
        if (value.isUndefined())
            continue;
        if (!value.isString() || value.toString().size() > History::maxFieldLength)
            return std::nullopt;
        *target = value.toString();
    }
    const QJsonValue expected = object.value(QStringLiteral("expected"));
    if (!expected.isUndefined() && !expected.isBool())
        return std::nullopt;
    event.expected = expected.toBool(false);
    return event;
}

History::History(QString path, int capacity) : m_path(std::move(path)), m_capacity(std::max(1, capacity))
{
    const safefile::Read file = safefile::read(m_path, maxFileBytes, platform::OverLimit::ReadTail);
    if (file.status == platform::FileRead::Status::Missing)
        return;
    if (file.status != platform::FileRead::Status::Ok) {
        m_memoryOnly = file.status == platform::FileRead::Status::NotRegular;
        qWarning("history: %s%s", qUtf8Printable(file.error),
                 m_memoryOnly ? "; events are kept in memory only" : "");
        return;
    }
    QByteArray data = file.data;
    if (file.size > maxFileBytes) {
        // The tail of a larger file: its first line may start mid-event.
        const qsizetype firstBreak = data.indexOf('\n');
        data.remove(0, firstBreak < 0 ? data.size() : firstBreak + 1);
    }
    QList<int> skipped;
    m_events = parse(data, &m_fileLines, &skipped);
    for (const int line : std::as_const(skipped))
        qWarning("history: %s:%d: skipped an unreadable line", qUtf8Printable(m_path), line);
    if (m_events.size() > m_capacity)
        m_events.remove(0, m_events.size() - m_capacity);
}

QList<HistoryEvent> History::parse(const QByteArray &data, int *lines, QList<int> *skippedLines)
{
    QList<HistoryEvent> events;
    int nonEmpty = 0;
    int lineNumber = 0;
    qsizetype start = 0;
    while (start < data.size()) {
        qsizetype end = data.indexOf('\n', start);
        if (end < 0)
            end = data.size();
        const QByteArray line = data.mid(start, end - start).trimmed();
        start = end + 1;
        ++lineNumber;
        if (line.isEmpty())
            continue;
        ++nonEmpty;
        QJsonParseError parseError;
        const QJsonDocument document = QJsonDocument::fromJson(line, &parseError);
        std::optional<HistoryEvent> event;
        if (document.isObject())
            event = HistoryEvent::fromJson(document.object());
        if (!event) {
            if (skippedLines)
                skippedLines->append(lineNumber);
            continue;
        }
        events.append(*event);
    }
    if (lines)
        *lines = nonEmpty;
    return events;
}

void History::append(const HistoryEvent &event)
{
    m_events.append(event);
    if (m_events.size() > m_capacity)
        m_events.remove(0, m_events.size() - m_capacity);

    if (m_memoryOnly)
        return;
    // Rewriting drops what no longer fits; until the file is a quarter over capacity, appending a
    // line is all an event costs.
    if (m_fileLines + 1 > m_capacity + m_capacity / 4) {
        rewrite();
        return;
    }
    QString error;
    if (!ensureDirectory(m_path, &error)) {
        qWarning("history: %s", qUtf8Printable(error));
        return;
    }
    QFile file(m_path);
    const bool created = !file.exists();
    if (!file.open(QIODevice::WriteOnly | QIODevice::Append)) {
        qWarning("history: cannot write %s: %s", qUtf8Printable(m_path), qUtf8Printable(file.errorString()));
        return;
    }
    if (created)
        file.setPermissions(privateFile);
    const QByteArray line = jsonLine(event);
    // The write is buffered: a full disk only shows when it is flushed. A partial line is skipped
    // as unreadable when loading, and the next rewrite drops it.
    if (file.write(line) != line.size() || !file.flush()) {
        qWarning("history: cannot write %s: %s", qUtf8Printable(m_path), qUtf8Printable(file.errorString()));
        return;
    }
    ++m_fileLines;
}

void History::rewrite()
{
    // Line by line into the temporary file: the whole file in one QByteArray is megabytes, and a
    // buffer that size, freed again, raises glibc's mmap threshold so the next ones come from the
    // heap and stay in the tray's RSS after a flood. The write is still checked to the last byte.
    QString error;
    const bool written = safefile::write(
        m_path,
        [this](QIODevice &file) {
            for (const HistoryEvent &event : std::as_const(m_events)) {
                const QByteArray line = jsonLine(event);
                if (file.write(line) != line.size())
                    return false;
            }
            return true;
        },
        &error, privateFile);
    if (!written) {
        qWarning("history: %s", qUtf8Printable(error));
        return;
    }
    QFile::setPermissions(m_path, privateFile);
    m_fileLines = int(m_events.size());
}

bool History::exportCsv(const QList<HistoryEvent> &events, const QString &path, QString *error)
{
    static const QStringList header{
        QStringLiteral("time"),    QStringLiteral("kind"), QStringLiteral("protocol"), QStringLiteral("family"),
        QStringLiteral("address"), QStringLiteral("port"), QStringLiteral("pid"),      QStringLiteral("process"),
        QStringLiteral("exe"),     QStringLiteral("user"), QStringLiteral("expected"), QStringLiteral("detail"),
    };
    // RFC 4180 records end in CRLF, the header too.
    QString text = header.join(QLatin1Char(',')) + QLatin1String("\r\n");
    for (const HistoryEvent &event : events) {
        const QStringList fields{
            timeText(event.time),
            toString(event.kind),
            QString::fromLatin1(platform::toString(event.protocol)),
            QString::fromLatin1(platform::toString(event.family)),
            event.address,
            QString::number(event.port),
            QString::number(event.pid),
            event.process,
            event.exe,
            event.user,
            event.expected ? QStringLiteral("true") : QStringLiteral("false"),
            event.detail,
        };
        QStringList quoted;
        quoted.reserve(fields.size());
        for (const QString &field : fields)
            quoted.append(csvField(field));
        text += quoted.join(QLatin1Char(',')) + QLatin1String("\r\n");
    }
    return writeAtomically(path, text.toUtf8(), error);
}

bool History::exportJson(const QList<HistoryEvent> &events, const QString &path, QString *error)
{
    QJsonArray array;
    for (const HistoryEvent &event : events)
        array.append(event.toJson());
    return writeAtomically(path, QJsonDocument(array).toJson(QJsonDocument::Indented), error);
}

QString History::defaultPath()
{
    return paths::stateDir() + QStringLiteral("/history.jsonl");
}

} // namespace portwatch
