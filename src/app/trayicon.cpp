// The tray icon: see trayicon.h.
#include "trayicon.h"

#include "core/listenertext.h"
#include "traytext.h"

#include <QAction>
#include <QMenu>
#include <QSystemTrayIcon>

namespace portwatch {
namespace {

QIcon verdictIcon(Verdict verdict)
{
    switch (verdict) {
    case Verdict::Expected:
        return TrayIcon::iconFor(MonitorState::Clear);
    case Verdict::Unexpected:
        return TrayIcon::iconFor(MonitorState::Alert);
    case Verdict::Unknown:
        return TrayIcon::iconFor(MonitorState::Degraded);
    }
    return {};
}

void addInfo(QMenu *menu, const QString &text)
{
    QAction *info = menu->addAction(text);
    info->setEnabled(false);
}

} // namespace

TrayIcon::TrayIcon(QObject *parent)
    : QObject(parent)
    , m_menu(std::make_unique<QMenu>())
{
    m_menu->setObjectName(QStringLiteral("trayMenu"));
    setState(MonitorState::Starting, {}, {});
}

TrayIcon::~TrayIcon() = default;

QString TrayIcon::iconPath(MonitorState state)
{
    switch (state) {
    case MonitorState::Clear:
        return QStringLiteral(":/icons/portwatch-clear.svg");
    case MonitorState::Alert:
        return QStringLiteral(":/icons/portwatch-alert.svg");
    case MonitorState::Paused:
        return QStringLiteral(":/icons/portwatch-paused.svg");
    case MonitorState::Degraded:
        return QStringLiteral(":/icons/portwatch-degraded.svg");
    case MonitorState::Starting:
        break;
    }
    return QStringLiteral(":/icons/portwatch.svg");
}

QIcon TrayIcon::iconFor(MonitorState state)
{
    return QIcon(iconPath(state));
}

QIcon TrayIcon::applicationIcon()
{
    return QIcon(QStringLiteral(":/icons/portwatch.svg"));
}

void TrayIcon::setState(MonitorState state, const QString &reason, const QList<WatchedListener> &listeners)
{
    const bool iconChanged = state != m_state || !m_tray;
    m_state = state;
    m_reason = reason;
    m_entries = traytext::group(listeners);
    m_toolTip = traytext::tooltip(state, reason, listeners);
    rebuildMenu();
    if (!m_tray)
        return;
    if (iconChanged)
        m_tray->setIcon(iconFor(state));
    m_tray->setToolTip(m_toolTip);
}

void TrayIcon::show()
{
    if (!m_tray) {
        m_tray = new QSystemTrayIcon(iconFor(m_state), this);
        m_tray->setToolTip(m_toolTip);
        m_tray->setContextMenu(m_menu.get());
        connect(m_tray, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason reason) {
            if (reason == QSystemTrayIcon::Trigger)
                Q_EMIT statusRequested();
        });
        Q_EMIT systemTrayIconCreated(m_tray);
    }
    m_tray->show();
}

void TrayIcon::rebuildMenu()
{
    // The whole visible content, so that a poll that changed nothing the user can see does not
    // rebuild (and close) a menu the user is reading.
    QStringList signature{traytext::stateTitle(m_state), m_reason};
    for (const TrayEntry &entry : std::as_const(m_entries)) {
        const auto &listener = entry.listener.listener;
        signature << traytext::entryText(entry) << QString::number(listener.socket.inode)
                  << QString::number(entry.socketCount);
    }
    if (signature == m_menuSignature && !m_menu->isEmpty())
        return;
    m_menuSignature = signature;

    // Removed actions and submenus are deleted later, not now: the rebuild may run inside the
    // triggered() of one of them (Pause makes the monitor report at once).
    const QList<QAction *> old = m_menu->actions();
    for (QAction *action : old) {
        m_menu->removeAction(action);
        if (QMenu *sub = action->menu())
            sub->deleteLater();
        else if (action->parent() == m_menu.get())
            action->deleteLater();
    }
    QAction *status = m_menu->addAction(iconFor(m_state), tr("Portwatch: %1").arg(traytext::stateTitle(m_state)));
    status->setObjectName(QStringLiteral("status"));
    status->setEnabled(false);
    if (!m_reason.isEmpty() && (m_entries.isEmpty() || m_state == MonitorState::Paused))
        addInfo(m_menu.get(), m_reason);
    else if (m_entries.isEmpty() && m_state != MonitorState::Paused && m_state != MonitorState::Starting)
        addInfo(m_menu.get(), tr("No watched port is in use")); // only when the monitor gave no reason: once is enough
    m_menu->addSeparator();

    for (const TrayEntry &entry : std::as_const(m_entries))
        addEntry(entry);
    if (!m_entries.isEmpty())
        m_menu->addSeparator();

    const bool paused = m_state == MonitorState::Paused;
    QAction *pause = m_menu->addAction(paused ? tr("Resume monitoring") : tr("Pause monitoring"));
    pause->setObjectName(QStringLiteral("pause"));
    connect(pause, &QAction::triggered, this, [this, paused] { Q_EMIT pauseToggled(!paused); });

    QAction *settings = m_menu->addAction(tr("Settings\u2026"));
    settings->setObjectName(QStringLiteral("settings"));
    connect(settings, &QAction::triggered, this, &TrayIcon::settingsRequested);

    QAction *history = m_menu->addAction(tr("History\u2026"));
    history->setObjectName(QStringLiteral("history"));
    connect(history, &QAction::triggered, this, &TrayIcon::historyRequested);

    m_menu->addSeparator();
    QAction *quit = m_menu->addAction(tr("Quit Portwatch"));
    quit->setObjectName(QStringLiteral("quit"));
    connect(quit, &QAction::triggered, this, &TrayIcon::quitRequested);
}

void TrayIcon::addEntry(const TrayEntry &entry)
{
    const platform::Listener &listener = entry.listener.listener;
    QMenu *sub = m_menu->addMenu(verdictIcon(entry.verdict), traytext::entryText(entry));
    sub->menuAction()->setObjectName(QStringLiteral("listener"));

    if (!listener.owners.empty()) {
        const platform::ProcessInfo &owner = listener.owners.front();
        if (!owner.exe.empty())
            addInfo(sub, tr("Executable: %1").arg(QString::fromStdString(owner.exe)));
        addInfo(sub, tr("User: %1").arg(QString::fromStdString(owner.user)));
        if (const QString parent = listenertext::parent(owner); !parent.isEmpty())
            addInfo(sub, tr("Started by: %1").arg(parent));
        if (!owner.cwd.empty())
            addInfo(sub, tr("Directory: %1").arg(QString::fromStdString(owner.cwd)));
    } else if (ownerHidden(listener)) {
        // The menu cannot show a long explanation: the commands are what the user needs.
        const QString port = listenertext::port(listener.socket);
        addInfo(sub, tr("Owner hidden: a process of user %1").arg(QString::fromStdString(listener.user)));
        addInfo(sub, tr("To see it: sudo portwatch-cli who %1").arg(port));
        addInfo(sub, tr("To stop it: sudo portwatch-cli kill %1").arg(port));
    } else {
        addInfo(sub, tr("No visible process holds it"));
    }
    QString where = QString::fromStdString(listener.socket.address);
    if (entry.socketCount > 1)
        where = tr("%1 (%2 sockets)").arg(where).arg(entry.socketCount);
    addInfo(sub, tr("Bound to: %1").arg(where));
    sub->addSeparator();

    const WatchedListener watched = entry.listener;
    const QString name = listener.owners.empty() ? QString() : listenertext::processName(listener.owners.front());
    QAction *kill = sub->addAction(name.isEmpty() ? tr("Kill") : tr("Kill %1").arg(name));
    kill->setObjectName(QStringLiteral("kill"));
    // Without a visible owner there is nothing Portwatch could signal.
    kill->setEnabled(!listener.owners.empty());
    connect(kill, &QAction::triggered, this, [this, watched] { Q_EMIT killRequested(watched); });

    const QString port = listenertext::port(listener.socket);
    QAction *whitelist = sub->addAction(
        ownerHidden(listener) ? tr("Whitelist user %1 on %2").arg(QString::fromStdString(listener.user), port)
        : name.isEmpty()      ? tr("Whitelist")
                              : tr("Whitelist %1 on %2").arg(name, port));
    whitelist->setObjectName(QStringLiteral("whitelist"));
    // The rule is made by rulemaker: for a hidden owner or an unreadable executable, by user and port.
    whitelist->setEnabled((!listener.owners.empty() || ownerHidden(listener)) && entry.verdict != Verdict::Expected);
    connect(whitelist, &QAction::triggered, this, [this, watched] { Q_EMIT whitelistRequested(watched); });
}

} // namespace portwatch
