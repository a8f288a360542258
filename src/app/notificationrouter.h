// Chooses where notifications go: the desktop's notification server when the bus has one (or can
// start one), the tray balloon otherwise. Re-decides whenever a server appears or leaves, because
// servers often start after autostart programs like us.
#pragma once

#include "dbusnotifier.h"
#include "notifier.h"

#include <QDBusConnection>
#include <QHash>
#include <QList>
#include <QPair>

class QSystemTrayIcon;

namespace portwatch {

class TrayNotifier;

class NotificationRouter final : public Notifier
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NotificationRouter)
public:
    enum class Backend {
        Undecided, // the bus has not said yet whether a server is there; notifications wait
        Desktop,   // org.freedesktop.Notifications
        Tray,      // QSystemTrayIcon::showMessage
    };

    explicit NotificationRouter(const QDBusConnection &bus = QDBusConnection::sessionBus(), QObject *parent = nullptr);
    ~NotificationRouter() override;

    void setTrayIcon(QSystemTrayIcon *icon);

    void show(quint64 key, const Notification &notification) override;
    void close(quint64 key) override;
    bool supportsActions() const override;

    Backend backend() const noexcept { return m_backend; }
    DBusNotifier *desktop() const noexcept { return m_desktop; }
    TrayNotifier *tray() const noexcept { return m_tray; }

Q_SIGNALS:
    void backendChanged(portwatch::NotificationRouter::Backend backend);
    // A notification server took the name (at start, or after one went away): what should be on
    // screen must be shown again, since it has none of it (see DBusNotifier::serverAppeared).
    void serverAppeared();

private:
    void onPresenceChanged(DBusNotifier::Presence presence);
    void showOn(Backend backend, quint64 key, const Notification &notification);

    DBusNotifier *m_desktop = nullptr;
    TrayNotifier *m_tray = nullptr;
    Backend m_backend = Backend::Undecided;
    QHash<quint64, Backend> m_shownOn; // where each key went, so close() reaches it
    QList<QPair<quint64, Notification>> m_waiting;
};

} // namespace portwatch
