// The monitor: polls the platform socket table on a worker thread, diffs against the last snapshot,
// resolves owners of new sockets, judges each listener on a watched port against the whitelist, and
// reports state and events to the thread that owns the Monitor (the GUI thread). That thread never
// touches the OS.
#pragma once

#include "config.h"
#include "whitelist.h"
#include "platform/processes.h"
#include "platform/sockettable.h"

#include <QDateTime>
#include <QList>
#include <QObject>
#include <QString>

#include <memory>

class QThread;

namespace portwatch {

enum class MonitorState {
    Starting, // before the first poll finished
    Clear,    // every listener on a watched port is whitelisted
    Alert,    // something unexpected holds a watched port
    Paused,   // not polling
    Degraded, // the owner of some socket is not visible, or the backend failed
};
QString toString(MonitorState state); // "clear", "alert", ...

// A listener on a watched port, judged.
struct WatchedListener {
    platform::Listener listener;
    Verdict verdict = Verdict::Unknown;
    QDateTime firstSeen; // UTC
};

class MonitorWorker;
struct PollResult;

class Monitor final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Monitor)
public:
    Monitor(std::unique_ptr<platform::SocketTable> sockets, std::unique_ptr<platform::ProcessResolver> processes,
            QObject *parent = nullptr);
    ~Monitor() override; // stops and joins the worker thread

    // Applies at once, without restart: new interval, new watched ports, and the whitelist re-judges
    // every current listener (a newly whitelisted one turns expected on this call's next update).
    void setConfig(const Config &config);
    void start();
    void pause();
    void resume();
    bool isPaused() const noexcept { return m_paused; }
    void pollNow();

    const Config &config() const noexcept { return m_config; }
    // True from start() until the first successful poll has been reported, including while its
    // appeared() signals are emitted: lets a receiver tell listeners that were already there when
    // Portwatch started (the first-run "trust them all?" question) from new binds.
    bool isInitialPoll() const noexcept { return !m_baselineDone; }

    MonitorState state() const noexcept { return m_state; }
    QString stateReason() const { return m_reason; } // "tcp/80 held by nc (pid 123), not whitelisted"
    QList<WatchedListener> listeners() const { return m_listeners; } // sorted by protocol, port

Q_SIGNALS:
    // After every poll that changed anything, and after pause/resume/setConfig.
    void updated(portwatch::MonitorState state, const QList<portwatch::WatchedListener> &listeners);
    void stateChanged(portwatch::MonitorState state);
    // A listener appeared on a watched port (all verdicts; the receiver decides what to raise).
    void appeared(const portwatch::WatchedListener &listener);
    void vanished(const portwatch::WatchedListener &listener);
    void pollFailed(const QString &error);

private:
    void onPolled(const PollResult &result);
    void sendConfigToWorker();
    // Recomputes state and reason from what is known; true when either changed. Emits nothing.
    bool refreshState();
    // refreshState(), then stateChanged when the state moved, then updated.
    void refreshAndReport();
    WatchedListener judged(const platform::Listener &listener, const QDateTime &firstSeen) const;

    QThread *m_thread = nullptr;
    MonitorWorker *m_worker = nullptr;
    MonitorState m_state = MonitorState::Starting;
    QString m_reason;
    QList<WatchedListener> m_listeners;
    bool m_paused = false;

    Config m_config;
    Whitelist m_whitelist;
    quint64 m_generation = 0; // bumped when the watched set changes; older poll results are dropped
    bool m_started = false;
    bool m_polled = false;    // a poll has succeeded
    bool m_failed = false;    // the last poll failed
    QString m_error;
    bool m_baselineDone = false;
};

} // namespace portwatch

Q_DECLARE_METATYPE(portwatch::WatchedListener)
Q_DECLARE_METATYPE(portwatch::MonitorState)
