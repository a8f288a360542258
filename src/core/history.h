// The event history: every appearance, disappearance, kill and whitelisting, kept in a bounded
// JSON-lines file in the state directory, exportable to CSV and JSON.
#pragma once

#include "platform/types.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

namespace portwatch {

struct HistoryEvent {
    enum class Kind { Appeared, Vanished, Killed, Whitelisted };
    QDateTime time; // UTC
    Kind kind = Kind::Appeared;
    platform::Protocol protocol = platform::Protocol::Tcp;
    platform::Family family = platform::Family::IPv4;
    QString address;
    quint16 port = 0;
    int pid = 0;        // 0 when not visible
    QString process;
    QString exe;
    QString user;
    bool expected = false; // judged against the whitelist at the time
    QString detail;     // kill outcome, the rule added, ...

    QJsonObject toJson() const;
    static std::optional<HistoryEvent> fromJson(const QJsonObject &object);
    friend bool operator==(const HistoryEvent &, const HistoryEvent &) = default;
};
QString toString(HistoryEvent::Kind kind); // "appeared", "vanished", "killed", "whitelisted"

class History final
{
public:
    static constexpr int defaultCapacity = 5000;
    // What the loader reads at most: the newest part of a larger file (a line is a few hundred bytes,
    // so this holds the default capacity many times over). Longer text fields make a line unreadable.
    static constexpr qsizetype maxFileBytes = 8 * 1024 * 1024;
    static constexpr qsizetype maxFieldLength = 8192;

    // Loads what the file holds (skipping unreadable lines, with a warning). Reads only a regular
    // file, never blocks on a FIFO or device, and reads at most maxFileBytes (the newest events).
    explicit History(QString path, int capacity = defaultCapacity);

    // The events in a history file's bytes, oldest first. *lines gets the number of non-empty lines,
    // *skippedLines the 1-based numbers of those that are not events. Touches no file.
    static QList<HistoryEvent> parse(const QByteArray &data, int *lines = nullptr,
                                     QList<int> *skippedLines = nullptr);

    void append(const HistoryEvent &event); // writes through; trims the file to capacity now and then
    const QList<HistoryEvent> &events() const noexcept { return m_events; }
    QString path() const { return m_path; }

    static bool exportCsv(const QList<HistoryEvent> &events, const QString &path, QString *error = nullptr);
    static bool exportJson(const QList<HistoryEvent> &events, const QString &path, QString *error = nullptr);

    // $XDG_STATE_HOME/portwatch/history.jsonl (~/.local/state/portwatch/history.jsonl).
    static QString defaultPath();

private:
    void rewrite(); // the file holds exactly m_events afterwards (QSaveFile)

    QString m_path;
    int m_capacity;
    QList<HistoryEvent> m_events;
    int m_fileLines = 0; // non-empty lines in the file, readable or not
    // The path is a FIFO, device or directory: events are kept in memory only, since opening it to
    // append could block and writing to it means nothing.
    bool m_memoryOnly = false;
};

} // namespace portwatch
