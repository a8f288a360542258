// The alert logic of the tray app: see alertcontroller.h.
#include "alertcontroller.h"

#include "alerttext.h"
#include "core/listenertext.h"
#include "core/configmanager.h"
#include "core/history.h"
#include "core/rulemaker.h"
#include "killrunner.h"
#include "notificationrouter.h"
#include "platform/accounts.h"
#include "platform/processes.h"

#include <QDBusConnection>
#include <QLoggingCategory>
#include <QTimer>

#include <algorithm>
#include <utility>

namespace portwatch {

namespace {

Q_LOGGING_CATEGORY(lcAlert, "portwatch.alert")

ListenerKey keyOf(const WatchedListener &listener)
{
    return ListenerKey::of(listener.listener.socket);
}

AlertGroup groupOf(const WatchedListener &listener)
{
    AlertGroup group;
    group.port = listener.listener.socket.port;
    if (!listener.listener.owners.empty()) {
        const platform::ProcessInfo &owner = listener.listener.owners.front();
        group.exe = QString::fromStdString(owner.exe.empty() ? owner.name : owner.exe);
    } else {
        group.exe = QStringLiteral("uid:%1").arg(listener.listener.socket.uid);
    }
    return group;
}

HistoryEvent eventFor(HistoryEvent::Kind kind, const WatchedListener &listener, const platform::ProcessInfo *owner)
{
    const platform::SocketEntry &socket = listener.listener.socket;
    if (!owner && !listener.listener.owners.empty())
        owner = &listener.listener.owners.front();
    HistoryEvent event;
    event.time = QDateTime::currentDateTimeUtc();
    event.kind = kind;
    event.protocol = socket.protocol;
    event.family = socket.family;
    event.address = QString::fromStdString(socket.address);
    event.port = socket.port;
    event.user = QString::fromStdString(listener.listener.user);
    if (owner) {
        event.pid = owner->pid;
        event.process = QString::fromStdString(owner->name);
        event.exe = QString::fromStdString(owner->exe);
        if (!owner->user.empty())
            event.user = QString::fromStdString(owner->user);
    }
    event.expected = listener.verdict == Verdict::Expected;
    return event;
}

// Whether the listener gets an alert: an unexpected owner, or an owner the resolver has not found
// yet although nothing was hidden from it (a busy holder, one that was exiting). The latter is told
// as "not identified yet" rather than kept quiet; the resolver keeps looking, and once the owner
// is known the monitor reports the listener anew.
bool alertWorthy(const WatchedListener &listener)
{
    if (listener.verdict == Verdict::Unexpected)
        return true;
    return listener.verdict == Verdict::Unknown && listener.listener.owners.empty() && listener.listener.ownersVisible;
}

std::pair<int, quint64> identityOf(const platform::ProcessInfo &process)
{
    return {process.pid, process.startTicks};
}

} // namespace

AlertController::AlertController(Monitor *monitor, ConfigManager *config, History *history,
                                 std::unique_ptr<platform::ProcessControl> control, QObject *parent)
    : QObject(parent)
    , m_monitor(monitor)
    , m_config(config)
    , m_history(history)
    , m_killer(new KillRunner(std::move(control), this))
    , m_notifier(new NotificationRouter(QDBusConnection::sessionBus(), this))
    , m_summaryTimer(new QTimer(this))
{
    m_summaryTimer->setSingleShot(true);
    connect(m_summaryTimer, &QTimer::timeout, this, &AlertController::onSummaryTimer);
    qRegisterMetaType<portwatch::platform::TerminateResult>();
    qRegisterMetaType<portwatch::WhitelistRule>();
    qRegisterMetaType<portwatch::WatchedListener>();

    applyConfig(m_config->config());
    for (const WatchedListener &listener : m_monitor->listeners())
        m_current.insert(keyOf(listener), listener);

    connect(m_monitor, &Monitor::appeared, this, &AlertController::onAppeared);
    connect(m_monitor, &Monitor::vanished, this, &AlertController::onVanished);
    connect(m_monitor, &Monitor::updated, this, &AlertController::onUpdated);
    // The monitor re-judges first, so by the time onConfigChanged runs the verdicts are current.
    connect(m_config, &ConfigManager::changed, m_monitor, &Monitor::setConfig);
    connect(m_config, &ConfigManager::changed, this, &AlertController::onConfigChanged);
    connect(m_notifier, &Notifier::actionInvoked, this, &AlertController::onAction);
    connect(m_notifier, &Notifier::closed, this, &AlertController::onNotificationClosed);
    connect(m_notifier, &NotificationRouter::serverAppeared, this, &AlertController::onServerAppeared);
}

AlertController::~AlertController()
{
    // Wait for a kill in progress while everything it reports to still exists.
    delete std::exchange(m_killer, nullptr);
}

void AlertController::setTrayIcon(QSystemTrayIcon *icon)
{
    m_notifier->setTrayIcon(icon);
}

void AlertController::setKillGrace(std::chrono::milliseconds grace)
{
    m_killer->setGrace(grace);
}

bool AlertController::isAlerting(const platform::SocketEntry &socket) const
{
    const ListenerKey key = ListenerKey::of(socket);
    return m_alertOf.contains(key) || m_pending.contains(key);
}

void AlertController::alertAbout(const QList<WatchedListener> &listeners)
{
    for (const WatchedListener &listener : listeners) {
        const auto current = m_current.constFind(keyOf(listener));
        if (current != m_current.cend() && current->verdict == Verdict::Unexpected)
            raise(*current);
    }
}

void AlertController::applyConfig(const Config &config)
{
    m_notificationsEnabled = config.notificationsEnabled;
    FloodControl::Options options = m_flood.options();
    options.cooldown = std::chrono::seconds(config.notificationCooldownSec);
    m_flood.setOptions(options);
}

void AlertController::onConfigChanged(const Config &config)
{
    const bool wasEnabled = m_notificationsEnabled;
    applyConfig(config);
    if (wasEnabled && !m_notificationsEnabled) {
        // Turned off: take back what is on screen too.
        m_pending.clear();
        const QList<quint64> keys = m_alerts.keys();
        for (const quint64 key : keys) {
            m_notifier->close(key);
            onNotificationClosed(key);
        }
    }
}

void AlertController::onAppeared(const WatchedListener &listener)
{
    m_current.insert(keyOf(listener), listener);
    record(eventFor(HistoryEvent::Kind::Appeared, listener, nullptr));
    if (!alertWorthy(listener))
        return;
    // What already listened before the first run is put to the user once by the first-run dialog,
    // instead of as a wall of notifications.
    if (m_monitor->isInitialPoll() && !m_config->config().firstRunDone)
        return;
    raise(listener);
}

void AlertController::onVanished(const WatchedListener &listener)
{
    const ListenerKey key = keyOf(listener);
    m_current.remove(key);
    record(eventFor(HistoryEvent::Kind::Vanished, listener, nullptr));
    detach(key);
}

void AlertController::onUpdated(MonitorState, const QList<WatchedListener> &listeners)
{
    // Verdicts change without appearing or vanishing when the whitelist changes.
    for (const WatchedListener &listener : listeners) {
        const ListenerKey key = keyOf(listener);
        const auto it = m_current.find(key);
        if (it == m_current.end()) {
            m_current.insert(key, listener);
            continue;
        }
        const Verdict before = it->verdict;
        *it = listener;
        if (before == listener.verdict)
            continue;
        if (before == Verdict::Unexpected)
            detach(key); // whitelisted: its notification goes
        else if (listener.verdict == Verdict::Unexpected)
            raise(listener); // a rule that covered it was removed
    }
}

void AlertController::raise(const WatchedListener &listener)
{
    const ListenerKey key = keyOf(listener);
    if (!m_notificationsEnabled || m_alertOf.contains(key) || m_pending.contains(key))
        return;
    // One poll reports all its new listeners in a row: decide on them together, so a burst shows
    // as one summary instead of three singles that flash up and are withdrawn again.
    m_pending.append(key);
    if (!m_flushScheduled) {
        m_flushScheduled = true;
        QTimer::singleShot(0, this, &AlertController::flushRaised);
    }
}

void AlertController::flushRaised()
{
    m_flushScheduled = false;
    const QList<ListenerKey> pending = std::exchange(m_pending, {});
    QList<quint64> toShow; // in the order they were decided
    for (const ListenerKey &key : pending) {
        const auto current = m_current.constFind(key);
        if (current == m_current.cend() || !alertWorthy(*current) || m_alertOf.contains(key))
            continue; // gone or trusted since it was queued

        const FloodControl::Decision decision = m_flood.admit(groupOf(*current));
        // Singles folded into a summary hand their listeners over and leave the screen. Taken out
        // before any reference into m_alerts is held: removing from a QHash moves its entries.
        QList<ListenerKey> members;
        for (const quint64 foldedKey : decision.close) {
            if (foldedKey == decision.key)
                continue;
            members += m_alerts.take(foldedKey).listeners;
            toShow.removeAll(foldedKey);
            m_notifier->close(foldedKey); // nothing happens for one that was never shown
        }
        members.append(key);

        Alert &alert = m_alerts[decision.key];
        alert.summary = decision.kind == FloodControl::Decision::Kind::Summary;
        alert.repeats = decision.repeats;
        for (const ListenerKey &member : std::as_const(members)) {
            if (!alert.listeners.contains(member))
                alert.listeners.append(member);
            m_alertOf.insert(member, decision.key);
        }
        if (alert.summary && decision.wait > std::chrono::milliseconds(0)) {
            // Shown a moment ago: the change waits for the next refresh instead of a Notify per bind.
            m_summaryDirty = true;
            if (!m_summaryTimer->isActive() || m_summaryTimer->remainingTime() > decision.wait.count())
                m_summaryTimer->start(decision.wait);
            continue;
        }
        if (!toShow.contains(decision.key))
            toShow.append(decision.key);
    }

    for (const quint64 alertKey : std::as_const(toShow))
        showAlert(alertKey);
}

void AlertController::showAlert(quint64 alertKey)
{
    const auto alert = m_alerts.constFind(alertKey);
    if (alert == m_alerts.cend())
        return;
    const QList<WatchedListener> about = listenersOf(alertKey);
    qCInfo(lcAlert) << "alert" << alertKey << (alert->summary ? "summarises" : "names") << about.size()
                    << "listener(s)";
    if (alert->summary) {
        m_summaryDirty = false;
        m_notifier->show(alertKey, alerttext::summary(about, m_flood.summaryMembers()));
    } else {
        m_notifier->show(alertKey, alerttext::alert(about, alert->repeats));
    }
}

void AlertController::onSummaryTimer()
{
    const auto summary = std::find_if(m_alerts.cbegin(), m_alerts.cend(), [](const Alert &alert) { return alert.summary; });
    if (summary == m_alerts.cend())
        return;
    const quint64 key = summary.key();
    if (summary->listeners.isEmpty() && !m_flood.summaryActive()) {
        // The flood is over and nothing it named is left: take it back.
        m_alerts.remove(key);
        m_summaryDirty = false;
        m_notifier->close(key);
        m_flood.released(key);
        return;
    }
    if (m_summaryDirty) {
        m_flood.summaryShown();
        showAlert(key);
    }
    if (summary->listeners.isEmpty())
        m_summaryTimer->start(std::max(m_flood.summaryActiveFor(), std::chrono::milliseconds(1)));
}

void AlertController::detach(const ListenerKey &key)
{
    m_pending.removeAll(key);
    const auto it = m_alertOf.find(key);
    if (it == m_alertOf.end())
        return;
    const quint64 alertKey = it.value();
    m_alertOf.erase(it);
    const auto alert = m_alerts.find(alertKey);
    if (alert == m_alerts.end())
        return;
    alert->listeners.removeAll(key);
    if (alert->listeners.isEmpty() && alert->summary && m_flood.summaryActive()) {
        // A flood still going on: the summary stays rather than pop up anew with the next bind;
        // it goes once the flood is over (onSummaryTimer).
        if (!m_summaryTimer->isActive())
            m_summaryTimer->start(m_flood.summaryActiveFor());
        return;
    }
    if (alert->listeners.isEmpty()) {
        // Nothing it names is there any more (or all of it is trusted now): take it back.
        m_alerts.erase(alert);
        m_notifier->close(alertKey);
        m_flood.released(alertKey);
    }
}

QList<WatchedListener> AlertController::listenersOf(quint64 alertKey) const
{
    QList<WatchedListener> listeners;
    const auto alert = m_alerts.constFind(alertKey);
    if (alert == m_alerts.cend())
        return listeners;
    for (const ListenerKey &key : alert->listeners) {
        const auto it = m_current.constFind(key);
        if (it != m_current.cend())
            listeners.append(*it);
    }
    return listeners;
}

void AlertController::onAction(quint64 key, const QString &action)
{
    const auto alert = m_alerts.constFind(key);
    if (alert == m_alerts.cend())
        return; // a kill outcome, or an alert already withdrawn
    if (alert->summary) {
        if (action == QLatin1String(NotificationAction::Default))
            Q_EMIT historyRequested();
        return;
    }
    const QList<WatchedListener> listeners = listenersOf(key);
    if (listeners.isEmpty()) {
        Q_EMIT actionFailed(tr("That listener is gone already."));
        return;
    }
    if (action == QLatin1String(NotificationAction::Kill)) {
        killAll(listeners);
    } else if (action == QLatin1String(NotificationAction::Whitelist)) {
        for (const WatchedListener &listener : listeners) {
            // Whitelisting the first may already cover the others (the IPv6 twin of an IPv4 socket).
            const auto now = m_current.constFind(keyOf(listener));
            if (now != m_current.cend() && now->verdict == Verdict::Unexpected) {
                const WatchedListener copy = *now; // whitelist() changes m_current underneath
                whitelist(copy);
            }
        }
    } else {
        Q_EMIT detailsRequested(listeners.front());
    }
}

void AlertController::onNotificationClosed(quint64 key)
{
    m_flood.released(key);
    const auto alert = m_alerts.find(key);
    if (alert == m_alerts.end())
        return;
    for (const ListenerKey &member : std::as_const(alert->listeners))
        m_alertOf.remove(member);
    m_alerts.erase(alert);
}

void AlertController::onServerAppeared()
{
    if (!m_notificationsEnabled)
        return;
    // Still on screen elsewhere (tray balloons, or waiting): move them to the server.
    const QList<quint64> shown = m_alerts.keys();
    for (const quint64 key : shown)
        showAlert(key);
    // Closed along with a server that went away: raise them anew (flood control still applies).
    // Before the first run is done, what listens is the first-run dialog's question, not alerts.
    int raised = 0;
    for (const WatchedListener &listener : std::as_const(m_current)) {
        if (!m_config->config().firstRunDone)
            break;
        if (alertWorthy(listener) && !m_alertOf.contains(keyOf(listener))) {
            raise(listener);
            ++raised;
        }
    }
    qCInfo(lcAlert) << "notification server appeared: showing" << shown.size() << "alert(s) again, raising"
                    << raised << "listener(s) anew";
}

void AlertController::killAll(const QList<WatchedListener> &listeners)
{
    // One kill per owner: the IPv4 and IPv6 sockets of one server are ended by one terminate.
    QSet<std::pair<int, quint64>> covered;
    for (const WatchedListener &listener : listeners) {
        const auto &owners = listener.listener.owners;
        const bool allCovered = !owners.empty() && std::all_of(owners.cbegin(), owners.cend(), [&](const auto &owner) {
            return covered.contains(identityOf(owner));
        });
        if (allCovered)
            continue;
        for (const platform::ProcessInfo &owner : owners)
            covered.insert(identityOf(owner));
        kill(listener, false);
    }
}

bool AlertController::needsConfirmation(const platform::ProcessInfo &owner) const
{
    return !platform::isCurrentUser(owner) || platform::isSystemAccount(owner);
}

void AlertController::kill(const WatchedListener &listener, bool confirmed)
{
    const QString port = listenertext::port(listener.listener.socket);
    const auto &owners = listener.listener.owners;
    if (owners.empty()) {
        Q_EMIT actionFailed(listener.listener.ownersVisible
                                ? tr("The process holding %1 has not been identified yet (or has just exited); "
                                     "Portwatch keeps looking. To look now: portwatch-cli who %1")
                                      .arg(port)
                                : tr("%1 is held by a process of user %2 that Portwatch cannot see. "
                                     "To stop it, run: sudo portwatch-cli kill %1")
                                      .arg(port, QString::fromStdString(listener.listener.user)));
        return;
    }
    if (!confirmed && std::any_of(owners.cbegin(), owners.cend(),
                                  [this](const auto &owner) { return needsConfirmation(owner); })) {
        Q_EMIT killConfirmationNeeded(listener);
        return;
    }

    std::vector<platform::KillTarget> targets;
    for (const platform::ProcessInfo &owner : owners) {
        // A second click while the first kill still waits out its grace period must not signal twice.
        if (m_killing.contains(identityOf(owner)))
            continue;
        m_killing.insert(identityOf(owner));
        targets.push_back(platform::KillTarget{owner, listener.listener.socket});
    }
    if (targets.empty())
        return;
    qCInfo(lcAlert) << "ending" << targets.size() << "process(es) holding" << port;
    m_killer->run(targets, [this, listener, targets](std::vector<platform::TerminateResult> results) {
        onKilled(listener, targets, results);
    });
}

void AlertController::onKilled(const WatchedListener &listener, const std::vector<platform::KillTarget> &targets,
                               const std::vector<platform::TerminateResult> &results)
{
    for (std::size_t i = 0; i < targets.size() && i < results.size(); ++i) {
        const platform::TerminateResult &result = results[i];
        m_killing.remove(identityOf(targets[i].process));
        qCInfo(lcAlert) << "kill of pid" << targets[i].process.pid << ":" << platform::toString(result.outcome)
                        << QString::fromStdString(result.message);
        HistoryEvent event = eventFor(HistoryEvent::Kind::Killed, listener, &targets[i].process);
        event.detail = QStringLiteral("%1: %2").arg(QString::fromLatin1(platform::toString(result.outcome)),
                                                   QString::fromStdString(result.message));
        record(event);
        Q_EMIT killFinished(listener, result);
    }
    // The outcome answers a click of the user's, so it is shown even with alerts turned off.
    m_notifier->show(m_flood.newKey(), alerttext::killOutcome(listener, results));
    m_monitor->pollNow();
}

void AlertController::whitelist(const WatchedListener &listener)
{
    // The same rules wherever the click came from: the program, its user and this port; an
    // interpreter's script too; a hidden owner's user and port.
    const Config &config = m_config->config();
    const QList<WhitelistRule> rules =
        rulemaker::forListener(listener.listener, Whitelist(config.whitelist), config.interpreters);

    for (const WhitelistRule &rule : rules) {
        QString error;
        if (!m_config->addWhitelistRule(rule, &error)) {
            if (!m_config->config().whitelist.contains(rule)) {
                Q_EMIT actionFailed(tr("Could not save the whitelist rule \"%1\": %2").arg(rule.describe(), error));
                return;
            }
            // The file could not take it (a full disk), but the running config did: the rule holds
            // from now on, and the next successful save writes it.
            Q_EMIT actionFailed(tr("The whitelist rule \"%1\" applies from now on, but could not be saved: %2")
                                    .arg(rule.describe(), error));
        }
        qCInfo(lcAlert) << "whitelisted" << rule.describe();
        HistoryEvent event = eventFor(HistoryEvent::Kind::Whitelisted, listener, nullptr);
        event.detail = rule.describe();
        record(event);
        Q_EMIT whitelisted(listener, rule);
    }
}

void AlertController::record(const HistoryEvent &event)
{
    if (m_history)
        m_history->append(event);
}

} // namespace portwatch
