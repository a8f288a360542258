// The polling half of the Monitor. Lives on the Monitor's worker thread: asks the platform socket
// table for sockets on the watched ports and resolves their owners, at the configured interval, and
// hands each result to the Monitor through a queued signal. The only part of the monitor that
// touches the OS; it never judges (see monitor.cpp for why judging happens on the Monitor's thread).
#pragma once

#include "portspec.h"
#include "snapshot.h"
#include "platform/processes.h"
#include "platform/sockettable.h"

#include <QList>
#include <QMetaType>
#include <QObject>
#include <QString>

#include <memory>
#include <optional>

class QTimer;

namespace portwatch {

// What one poll found.
struct PollResult {
    quint64 generation = 0; // of the watched set the poll used (see Monitor::setConfig)
    bool ok = true;
    QString error;          // when !ok: what failed, from the platform layer
    // Sockets on watched ports with their owners, sorted as Snapshot::sockets() sorts. On failure:
    // empty (the Monitor keeps what it knew).
    QList<platform::Listener> listeners;
};

class MonitorWorker final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MonitorWorker)
public:
    MonitorWorker(std::unique_ptr<platform::SocketTable> sockets, std::unique_ptr<platform::ProcessResolver> processes,
                  QObject *parent = nullptr);
    ~MonitorWorker() override;

    // All of these run on the worker thread (the Monitor queues them there).

    // A new watched set (with its generation) is polled at once when running; a new interval
    // restarts the timer.
    void setConfig(const QList<PortSpec> &watched, int intervalMs, quint64 generation);
    void start();   // poll now, then every interval
    void pause();   // no queries until start()
    void pollNow(); // ignored unless started and not paused

Q_SIGNALS:
    // After a poll asked for by the Monitor (start, pollNow, a new watched set), and after a timer
    // poll whose result differs from the last one reported: a quiet tick costs the GUI thread nothing.
    void polled(const portwatch::PollResult &result);

private:
    void poll(bool report);

    std::unique_ptr<platform::SocketTable> m_sockets;
    std::unique_ptr<platform::ProcessResolver> m_processes;
    QTimer *m_timer = nullptr;
    QList<PortSpec> m_watched;
    platform::SocketQuery m_query;
    quint64 m_generation = 0;
    bool m_running = false;

    std::optional<Snapshot> m_snapshot; // of the last successful poll, kept only for debug output
    bool m_reported = false;
    PollResult m_lastReported;
};

} // namespace portwatch

Q_DECLARE_METATYPE(portwatch::PollResult)
