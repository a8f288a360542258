// TextfileSink: see textfilesink.h.
#include "textfilesink.h"

#include "output.h"

#include <QMap>
#include <QSaveFile>

namespace portwatch::cli {

namespace {

QByteArray labels(const platform::Listener &listener, const std::string &exe, Verdict verdict)
{
    const auto label = [](const char *name, const QByteArray &value) {
        return QByteArray(name) + "=\"" + TextfileSink::escapeLabelValue(value) + '"';
    };
    return '{' + label("port", QByteArray::number(listener.socket.port)) + ','
        + label("protocol", platform::toString(listener.socket.protocol)) + ','
        + label("address", QByteArray::fromStdString(listener.socket.address)) + ','
        + label("exe", QByteArray::fromStdString(exe)) + ',' + label("expected", expectedText(verdict)) + '}';
}

// The listener series, sorted: each label set once, its value the number of sockets that have it
// (an IPv4 and an IPv6 socket of one server differ by address; forked owners share an exe).
QByteArray listenerLines(const QList<WatchedListener> &listeners)
{
    QMap<QByteArray, int> series;
    for (const WatchedListener &watched : listeners) {
        QList<QByteArray> seen;
        for (const platform::ProcessInfo &owner : watched.listener.owners) {
            const QByteArray key = labels(watched.listener, owner.exe, watched.verdict);
            if (!seen.contains(key))
                seen.append(key);
        }
        if (seen.isEmpty())
            seen.append(labels(watched.listener, std::string(), watched.verdict));
        for (const QByteArray &key : std::as_const(seen))
            ++series[key];
    }
    QByteArray lines;
    for (auto it = series.cbegin(); it != series.cend(); ++it)
        lines += "portwatch_listener" + it.key() + ' ' + QByteArray::number(it.value()) + '\n';
    return lines;
}

} // namespace

TextfileSink::TextfileSink(QString path) : m_path(std::move(path)) {}

QByteArray TextfileSink::escapeLabelValue(const QByteArray &value)
{
    QByteArray escaped;
    escaped.reserve(value.size());
    for (const char c : value) {
        if (c == '\\')
            escaped += "\\\\";
        else if (c == '"')
            escaped += "\\\"";
        else if (c == '\n')
            escaped += "\\n";
        else
            escaped += c;
    }
    return escaped;
}

QByteArray TextfileSink::render(const QList<WatchedListener> &listeners, const QDateTime &pollTime)
{
    qsizetype unexpected = 0;
    for (const WatchedListener &watched : listeners) {
        if (watched.verdict == Verdict::Unexpected)
            ++unexpected;
    }
    QByteArray text;
    text += "# HELP portwatch_listener Sockets listening on a watched port, by port, protocol, address, "
            "executable and whether the whitelist expects them (yes, no, unknown: owner not visible).\n"
            "# TYPE portwatch_listener gauge\n";
    text += listenerLines(listeners);
    text += "# HELP portwatch_unexpected_listeners Listeners on watched ports that no whitelist rule covers.\n"
            "# TYPE portwatch_unexpected_listeners gauge\n"
            "portwatch_unexpected_listeners " + QByteArray::number(unexpected) + '\n';
    text += "# HELP portwatch_last_poll_timestamp_seconds When Portwatch last read the socket table (Unix time).\n"
            "# TYPE portwatch_last_poll_timestamp_seconds gauge\n"
            "portwatch_last_poll_timestamp_seconds "
        + QByteArray::number(static_cast<double>(pollTime.toMSecsSinceEpoch()) / 1000.0, 'f', 3) + '\n';
    return text;
}

bool TextfileSink::update(const QList<WatchedListener> &listeners, const QDateTime &pollTime, QString *error)
{
    const QByteArray lines = listenerLines(listeners);
    const bool stale = !m_lastWrite.isValid()
        || m_lastWrite.msecsTo(pollTime) >= std::chrono::milliseconds(heartbeat).count();
    if (lines == m_lastListeners && !stale)
        return true;

    QSaveFile file(m_path);
    if (!file.open(QIODevice::WriteOnly)) {
        if (error)
            *error = QStringLiteral("cannot write %1: %2").arg(m_path, file.errorString());
        return false;
    }
    // node_exporter runs as its own user: the metrics must be readable whatever the umask.
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup
                        | QFileDevice::ReadOther);
    const QByteArray text = render(listeners, pollTime);
    if (file.write(text) != text.size() || !file.commit()) {
        if (error)
            *error = QStringLiteral("cannot write %1: %2").arg(m_path, file.errorString());
        return false;
    }
    m_lastListeners = lines;
    m_lastWrite = pollTime;
    return true;
}

} // namespace portwatch::cli
