// portwatch-cli watch --textfile PATH: the watched listeners as Prometheus gauges in a text file
// for node_exporter's textfile collector. The file is replaced atomically, never seen half-written.
#pragma once

#include "core/monitor.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>

#include <chrono>

namespace portwatch::cli {

class TextfileSink final
{
    Q_DISABLE_COPY_MOVE(TextfileSink)
public:
    // A quiet monitor still rewrites the file this often, so the last-poll time stays fresh
    // without a write on every poll.
    static constexpr std::chrono::seconds heartbeat{15};

    explicit TextfileSink(QString path);

    // After a poll: writes the file when the listeners differ from the last written ones, or when
    // the last write is older than the heartbeat. False with the reason in error when the write
    // failed (the previous file then stays as it was).
    bool update(const QList<WatchedListener> &listeners, const QDateTime &pollTime, QString *error = nullptr);

    // The file's content in the text exposition format:
    //   portwatch_listener{port,protocol,address,exe,expected} = sockets with those labels
    //   portwatch_unexpected_listeners, portwatch_last_poll_timestamp_seconds
    static QByteArray render(const QList<WatchedListener> &listeners, const QDateTime &pollTime);
    // A label value with backslash, double quote and newline escaped as the format wants.
    static QByteArray escapeLabelValue(const QByteArray &value);

private:
    const QString m_path;
    QByteArray m_lastListeners; // the listener lines of the last file written
    QDateTime m_lastWrite;
};

} // namespace portwatch::cli
