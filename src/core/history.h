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

    // Loads what the file holds (skipping unreadable lines, with a warning).
    explicit History(QString path, int capacity = defaultCapacity);

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
};

} // namespace portwatch
