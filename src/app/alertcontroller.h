// The alert logic of the tray app: turns the monitor's events into notifications (with flood
// control), turns clicks on them into Kill and Whitelist, runs those safely, tells the outcome, and
// writes every event to the history. The UI (tray menu, alert dialog) calls the same two slots.
#pragma once

#include "core/monitor.h"
#include "core/snapshot.h"
#include "core/whitelist.h"
#include "floodcontrol.h"
#include "platform/processcontrol.h"
#include "platform/processes.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QSet>
#include <QString>

#include <chrono>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

class QSystemTrayIcon;
class QTimer;

namespace portwatch {

class ConfigManager;
class History;
struct HistoryEvent;
class KillRunner;
class NotificationRouter;

class AlertController final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AlertController)
public:
    // Also applies every config change to the monitor (ConfigManager::changed -> Monitor::setConfig),
    // so a whitelisted listener turns expected at once; nobody else needs to wire that.
    // `history` may be null (nothing is recorded then). Notifications go to the session bus's
    // notification server, or to tray balloons when there is none.
    AlertController(Monitor *monitor, ConfigManager *config, History *history,
                    std::unique_ptr<platform::ProcessControl> control, QObject *parent = nullptr);
    ~AlertController() override; // waits for a kill in progress

    // The icon that shows balloons when no notification server is there; may be null until a tray exists.
    void setTrayIcon(QSystemTrayIcon *icon);

    // Where notifications go (the desktop server or tray balloons), for the UI and for tests.
    NotificationRouter *notifier() const noexcept { return m_notifier; }

    // How long a kill waits after SIGTERM before it forces (default platform::defaultGrace).
    void setKillGrace(std::chrono::milliseconds grace);

    // Whether a notification names this socket now or is about to (for the UI and for tests).
    bool isAlerting(const platform::SocketEntry &socket) const;

public Q_SLOTS:
    // Raises alerts for these listeners, those of them still there and still unexpected: the ones
    // the first-run dialog held back and the user did not trust.
    void alertAbout(const QList<portwatch::WatchedListener> &listeners);
    // Ends the process(es) holding the listener, off the GUI thread, once per owner. Processes of
    // other users or of system accounts (platform::isSystemAccount) are only ended with confirmed = true; otherwise
    // killConfirmationNeeded() is emitted and nothing happens.
    void kill(const portwatch::WatchedListener &listener, bool confirmed = false);
    // Adds the whitelist rules rulemaker::forListener() makes for the listener (its program, user and
    // port; for a hidden owner its user and port), saved atomically; the monitor re-judges at once.
    void whitelist(const portwatch::WatchedListener &listener);

Q_SIGNALS:
    // Open the alert dialog for this listener: a click on a notification's body or on the tray
    // balloon (that is also how a server without action buttons leads to Kill / Whitelist).
    void detailsRequested(const portwatch::WatchedListener &listener);
    // A click on a burst summary: open the history window.
    void historyRequested();
    // Ask the user, then call kill(listener, true).
    void killConfirmationNeeded(const portwatch::WatchedListener &listener);
    // One per owner that was signalled (or refused), in order.
    void killFinished(const portwatch::WatchedListener &listener, const portwatch::platform::TerminateResult &result);
    void whitelisted(const portwatch::WatchedListener &listener, const portwatch::WhitelistRule &rule);
    // Kill or Whitelist could not even start (owner not visible, executable unknown, config not saved).
    void actionFailed(const QString &message);

private:
    // The notification currently shown for some unexpected listeners.
    struct Alert {
        QList<ListenerKey> listeners;
        bool summary = false;
        int repeats = 1;
    };

    void onAppeared(const WatchedListener &listener);
    void onVanished(const WatchedListener &listener);
    void onUpdated(MonitorState state, const QList<WatchedListener> &listeners);
    void onConfigChanged(const Config &config);
    void onAction(quint64 key, const QString &action);
    void onNotificationClosed(quint64 key);
    // A notification server appeared: alerts shown as tray balloons, or lost with a server that went
    // away, are raised on it for every listener that is still unexpected.
    void onServerAppeared();

    void raise(const WatchedListener &listener);
    void flushRaised();
    void showAlert(quint64 alertKey);
    // The summary's deferred refresh is due, or its flood may be over: show or withdraw it.
    void onSummaryTimer();
    void detach(const ListenerKey &key);
    QList<WatchedListener> listenersOf(quint64 alertKey) const;
    void killAll(const QList<WatchedListener> &listeners);
    bool needsConfirmation(const platform::ProcessInfo &owner) const;
    void onKilled(const WatchedListener &listener, const std::vector<platform::KillTarget> &targets,
                  const std::vector<platform::TerminateResult> &results);
    void record(const HistoryEvent &event);
    void applyConfig(const Config &config);

    Monitor *m_monitor;
    ConfigManager *m_config;
    History *m_history;
    KillRunner *m_killer;
    NotificationRouter *m_notifier;
    FloodControl m_flood;
    bool m_notificationsEnabled = true;

    QHash<ListenerKey, WatchedListener> m_current; // every listener on a watched port, as last reported
    QHash<quint64, Alert> m_alerts;                 // notification key -> what it is about
    QHash<ListenerKey, quint64> m_alertOf;          // listener -> key of the notification naming it
    QList<ListenerKey> m_pending;                   // unexpected listeners to raise once this poll's report is in
    bool m_flushScheduled = false;
    QTimer *m_summaryTimer;     // a deferred summary refresh, or the check whether its flood is over
    bool m_summaryDirty = false; // the summary changed since it was last shown
    QSet<std::pair<int, quint64>> m_killing;        // (pid, start ticks) of owners being ended now
};

} // namespace portwatch

Q_DECLARE_METATYPE(portwatch::platform::TerminateResult)
Q_DECLARE_METATYPE(portwatch::WhitelistRule)
