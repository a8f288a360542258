// Choosing the notification backend: see notificationrouter.h.
#include "notificationrouter.h"

#include "traynotifier.h"

#include <QLoggingCategory>

#include <utility>

namespace portwatch {

namespace {
Q_LOGGING_CATEGORY(lcRouter, "portwatch.notify")
} // namespace

NotificationRouter::NotificationRouter(const QDBusConnection &bus, QObject *parent)
    : Notifier(parent)
    , m_desktop(new DBusNotifier(bus, this))
    , m_tray(new TrayNotifier(this))
{
    for (Notifier *backend : {static_cast<Notifier *>(m_desktop), static_cast<Notifier *>(m_tray)}) {
        connect(backend, &Notifier::actionInvoked, this, &Notifier::actionInvoked);
        connect(backend, &Notifier::closed, this, [this](quint64 key) {
            m_shownOn.remove(key);
            Q_EMIT closed(key);
        });
    }
    connect(m_desktop, &DBusNotifier::presenceChanged, this, &NotificationRouter::onPresenceChanged);
    connect(m_desktop, &DBusNotifier::serverAppeared, this, &NotificationRouter::serverAppeared);
    // A server that vanished (or refused) between our check and the call: the balloon still tells.
    connect(m_desktop, &DBusNotifier::notifyFailed, this,
            [this](quint64 key, const Notification &notification, const QString &) {
                showOn(Backend::Tray, key, notification);
            });
    onPresenceChanged(m_desktop->presence());
}

NotificationRouter::~NotificationRouter() = default;

void NotificationRouter::setTrayIcon(QSystemTrayIcon *icon)
{
    m_tray->setTrayIcon(icon);
}

void NotificationRouter::onPresenceChanged(DBusNotifier::Presence presence)
{
    Backend backend = Backend::Undecided;
    if (presence == DBusNotifier::Presence::Present)
        backend = Backend::Desktop;
    else if (presence == DBusNotifier::Presence::Absent)
        backend = Backend::Tray;
    if (backend == m_backend)
        return;
    m_backend = backend;
    qCInfo(lcRouter) << "notifications go to"
                     << (backend == Backend::Desktop ? "the notification server"
                         : backend == Backend::Tray  ? "tray balloons (no notification server)"
                                                     : "nowhere yet");
    Q_EMIT backendChanged(backend);
    if (backend != Backend::Undecided) {
        const auto waiting = std::exchange(m_waiting, {});
        for (const auto &[key, notification] : waiting)
            showOn(backend, key, notification);
    }
}

void NotificationRouter::show(quint64 key, const Notification &notification)
{
    if (m_backend == Backend::Undecided) {
        for (auto &[waitingKey, waiting] : m_waiting) {
            if (waitingKey == key) {
                waiting = notification;
                return;
            }
        }
        m_waiting.append({key, notification});
        return;
    }
    showOn(m_backend, key, notification);
}

void NotificationRouter::showOn(Backend backend, quint64 key, const Notification &notification)
{
    const Backend previous = m_shownOn.value(key, Backend::Undecided);
    if (previous != Backend::Undecided && previous != backend) {
        // The backend changed while this was on screen: take the old one back first.
        (previous == Backend::Desktop ? static_cast<Notifier *>(m_desktop) : m_tray)->close(key);
    }
    m_shownOn.insert(key, backend);
    if (backend == Backend::Desktop)
        m_desktop->show(key, notification);
    else
        m_tray->show(key, notification);
}

void NotificationRouter::close(quint64 key)
{
    m_waiting.removeIf([key](const QPair<quint64, Notification> &waiting) { return waiting.first == key; });
    const Backend on = m_shownOn.take(key);
    if (on == Backend::Desktop)
        m_desktop->close(key);
    else if (on == Backend::Tray)
        m_tray->close(key);
}

bool NotificationRouter::supportsActions() const
{
    return m_backend == Backend::Desktop ? m_desktop->supportsActions() : false;
}

} // namespace portwatch
