// The tray-balloon fallback notifier: see traynotifier.h.
#include "traynotifier.h"

#include <QLoggingCategory>
#include <QSystemTrayIcon>

#include <utility>

namespace portwatch {

namespace {
Q_LOGGING_CATEGORY(lcTray, "portwatch.notify.tray")
} // namespace

TrayNotifier::TrayNotifier(QObject *parent)
    : Notifier(parent)
{
}

TrayNotifier::~TrayNotifier() = default;

void TrayNotifier::setTrayIcon(QSystemTrayIcon *icon)
{
    if (m_icon == icon)
        return;
    disconnect(m_clickConnection);
    m_icon = icon;
    if (icon)
        m_clickConnection = connect(icon, &QSystemTrayIcon::messageClicked, this, &TrayNotifier::onMessageClicked);
}

void TrayNotifier::show(quint64 key, const Notification &requested)
{
    // A balloon has no buttons: it says where to act instead.
    Notification notification = requested;
    if (notification.offerActions && !notification.bodyWithoutActions.isEmpty())
        notification.body = notification.bodyWithoutActions;
    notification.offerActions = false;
    notification.bodyWithoutActions.clear();

    // Remember before showing: the click may come long after, and only the latest balloon is on screen.
    m_currentKey = key;
    m_current = notification;
    if (m_icon) {
        const auto icon = notification.urgency == Notification::Urgency::Critical ? QSystemTrayIcon::Critical
                          : notification.persistent                                ? QSystemTrayIcon::Warning
                                                                                   : QSystemTrayIcon::Information;
        // Balloons time out on their own; an alert stays longer than an outcome.
        m_icon->showMessage(notification.title, notification.body, icon, notification.persistent ? 30000 : 10000);
    } else {
        qCWarning(lcTray) << "no notification server and no tray icon yet; not shown:" << notification.title;
    }
    Q_EMIT shown(key, notification);
}

void TrayNotifier::close(quint64 key)
{
    if (key == m_currentKey)
        m_currentKey = 0;
}

void TrayNotifier::onMessageClicked()
{
    if (m_currentKey == 0)
        return;
    const quint64 key = std::exchange(m_currentKey, 0);
    Q_EMIT actionInvoked(key, QString::fromLatin1(NotificationAction::Default));
    Q_EMIT closed(key);
}

} // namespace portwatch
