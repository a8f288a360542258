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

    // Applies at once, without restart. The whitelist re-judges every current listener inside this
    // call (state(), listeners() and the updated() it emits already reflect it; no new poll needed).
    // Listeners on ports no longer watched get vanished() inside this call; the worker then polls
    // the new watched set at once (unless paused), and results of polls of the old set are dropped.
    // A new interval (clamped to Config's bounds) restarts the timer. Always emits updated().
    void setConfig(const Config &config);
    // Starts polling: one poll at once, then every intervalMs. Before start() nothing is queried.
    void start();
    // No queries while paused (pollNow() is ignored too); state Paused. Emits stateChanged/updated.
    void pause();
    // Polls at once, then every intervalMs. Emits stateChanged/updated with the last known data.
    void resume();
    bool isPaused() const noexcept { return m_paused; }
    // One poll as soon as the worker is free (ignored before start() and while paused).
    void pollNow();

    const Config &config() const noexcept { return m_config; }
    // True from start() until the first successful poll has been reported, including while its
    // appeared() signals are emitted: lets a receiver tell listeners that were already there when
    // Portwatch started (the first-run "trust them all?" question) from new binds.
    bool isInitialPoll() const noexcept { return !m_baselineDone; }

    MonitorState state() const noexcept { return m_state; }
    QString stateReason() const { return m_reason; } // "tcp/80 held by nc (pid 123), not whitelisted"
    QList<WatchedListener> listeners() const { return m_listeners; } // sorted by protocol, port

    // Order of signals for one poll result: vanished()s, appeared()s, stateChanged() (if the state
    // moved), updated(). state(), stateReason() and listeners() are already current when the first
    // of them is emitted. A quiet poll (nothing changed) emits nothing at all.
Q_SIGNALS:
    // After every poll that changed anything (listeners, owners, verdicts, state or reason), after
    // the first poll, after a failed poll, and after pause/resume/setConfig.
    void updated(portwatch::MonitorState state, const QList<portwatch::WatchedListener> &listeners);
    // Only when the state really changes.
    void stateChanged(portwatch::MonitorState state);
    // A listener appeared on a watched port (all verdicts; the receiver decides what to raise).
    // Also emitted for every listener found by the first poll (see isInitialPoll()), for listeners
    // that become watched through setConfig, and when a known socket changes hands in a way that
    // matters: the set of (executable, uid) of its owners, or their visibility, changed. Then
    // vanished(old) comes first, then appeared(new) with a fresh firstSeen. A new pid of the same
    // executable (a forked child outliving its parent) is no event; it shows in updated().
    void appeared(const portwatch::WatchedListener &listener);
    // The listener is gone: its socket closed, it changed hands (see appeared()), or its port is no
    // longer watched. Carries the listener as last known, judged against the current whitelist.
    void vanished(const portwatch::WatchedListener &listener);
    // A poll failed (state Degraded, listeners kept as last known). Emitted for each failed result
    // the worker reports: once when polling starts failing or the error text changes, and on every
    // pollNow()/resume() while it keeps failing, not on every timer tick.
    void pollFailed(const QString &error);
    // After every successful poll, quiet ones included, once the signals above are out: when the
    // monitor last looked, for outputs that report it (portwatch-cli watch --textfile).
    void polled(const QDateTime &when);

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
