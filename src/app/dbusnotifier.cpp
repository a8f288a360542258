// Desktop notifications through org.freedesktop.Notifications: see dbusnotifier.h.
#include "dbusnotifier.h"

#include "notificationicon.h"

#include <QCoreApplication>
#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QDBusServiceWatcher>
#include <QDeadlineTimer>
#include <QLoggingCategory>
#include <QStandardPaths>
#include <QVariantMap>

#include <algorithm>
#include <utility>

namespace portwatch {

namespace {

Q_LOGGING_CATEGORY(lcNotify, "portwatch.notify")

constexpr char BusService[] = "org.freedesktop.DBus";
constexpr char BusPath[] = "/org/freedesktop/DBus";
constexpr char BusInterface[] = "org.freedesktop.DBus";

uchar urgencyByte(Notification::Urgency urgency)
{
    switch (urgency) {
    case Notification::Urgency::Low:
        return 0;
    case Notification::Urgency::Normal:
        return 1;
    case Notification::Urgency::Critical:
        return 2;
    }
    return 1;
}

} // namespace

DBusNotifier::DBusNotifier(const QDBusConnection &bus, QObject *parent)
    : Notifier(parent)
    , m_bus(bus)
{
    qRegisterMetaType<portwatch::Notification>();
    NotificationImage::registerType();
    if (!m_bus.isConnected()) {
        qCInfo(lcNotify) << "no D-Bus session bus:" << m_bus.lastError().message();
        m_presence = Presence::Absent;
        return;
    }

    m_watcher = new QDBusServiceWatcher(QString::fromLatin1(Service), m_bus,
                                        QDBusServiceWatcher::WatchForOwnerChange, this);
    connect(m_watcher, &QDBusServiceWatcher::serviceOwnerChanged, this,
            [this](const QString &, const QString &, const QString &newOwner) { onOwnerChanged(newOwner); });

    // Connecting to the well-known name makes QtDBus match the signals to whoever owns it now,
    // so a notification server's signals about other clients' notifications still reach us and
    // are filtered by id below.
    const QString service = QString::fromLatin1(Service);
    const QString path = QString::fromLatin1(ObjectPath);
    const QString interface = QString::fromLatin1(Interface);
    if (!m_bus.connect(service, path, interface, QStringLiteral("ActionInvoked"), this,
                       SLOT(onActionInvoked(uint, QString))))
        qCWarning(lcNotify) << "cannot subscribe to ActionInvoked:" << m_bus.lastError().message();
    if (!m_bus.connect(service, path, interface, QStringLiteral("NotificationClosed"), this,
                       SLOT(onNotificationClosed(uint, uint))))
        qCWarning(lcNotify) << "cannot subscribe to NotificationClosed:" << m_bus.lastError().message();

    // Before the event loop ends: after it, a slow server's answers would never be read.
    if (QCoreApplication::instance() != nullptr)
        connect(QCoreApplication::instance(), &QCoreApplication::aboutToQuit, this, [this] { closeAll(); });

    recheckPresence();
}

DBusNotifier::~DBusNotifier()
{
    closeAll();
}

void DBusNotifier::closeAll(std::chrono::milliseconds wait)
{
    m_waiting.clear();
    const auto entries = std::exchange(m_entries, {});
    m_keys.clear();
    // Answers to anything sent before are for notifications that are gone now.
    ++m_generation;
    if (entries.isEmpty() || !m_bus.isConnected())
        return;

    const QDeadlineTimer deadline(wait);
    const auto remainingMs = [&deadline] { return int(std::max<qint64>(1, deadline.remainingTime())); };

    // A Notify still waiting for its id: a server answers in order, so once it answered a later
    // call, the Notify's answer has arrived too. The later call has a timeout, the Notify may not.
    const bool unanswered = std::any_of(entries.cbegin(), entries.cend(), [](const Entry &entry) {
        return entry.notifyCall && !entry.notifyCall->isFinished();
    });
    if (unanswered) {
        const QDBusMessage ping = QDBusMessage::createMethodCall(QString::fromLatin1(Service), QString::fromLatin1(ObjectPath),
                                                                 QString::fromLatin1(Interface), QStringLiteral("GetServerInformation"));
        m_bus.asyncCall(ping, remainingMs()).waitForFinished();
    }

    QList<uint> ids;
    for (const Entry &entry : entries) {
        if (entry.id != 0)
            ids.append(entry.id); // also the one an update in flight replaces
        if (entry.notifyCall && entry.notifyCall->isFinished()) {
            const QDBusPendingReply<uint> reply = *entry.notifyCall;
            if (!reply.isError() && reply.value() != 0 && !ids.contains(reply.value()))
                ids.append(reply.value());
        }
    }
    // All sent before waiting for any, so the wait is one round trip, not one per notification.
    QList<QDBusPendingCall> calls;
    for (const uint id : std::as_const(ids))
        calls.append(sendClose(id, remainingMs()));
    for (QDBusPendingCall &call : calls)
        call.waitForFinished(); // bounded by the call's timeout
    qCInfo(lcNotify) << "closed" << ids.size() << "notifications on shutdown";
}

void DBusNotifier::recheckPresence()
{
    if (!m_bus.isConnected())
        return;
    const quint64 generation = m_generation;
    QDBusMessage hasOwner = QDBusMessage::createMethodCall(QString::fromLatin1(BusService), QString::fromLatin1(BusPath),
                                                           QString::fromLatin1(BusInterface), QStringLiteral("NameHasOwner"));
    hasOwner << QString::fromLatin1(Service);
    auto *watcher = new QDBusPendingCallWatcher(m_bus.asyncCall(hasOwner), this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this, [this, generation](QDBusPendingCallWatcher *call) {
        call->deleteLater();
        if (generation != m_generation)
            return; // the owner changed meanwhile; that change triggered its own check
        const QDBusPendingReply<bool> reply = *call;
        if (!reply.isError() && reply.value()) {
            setPresence(Presence::Present);
            if (!m_capabilitiesKnown && !m_capabilitiesFailed)
                fetchCapabilities();
            return;
        }
        // No owner now; a server the bus can start on demand counts as present, since the first
        // Notify starts it.
        QDBusMessage activatable = QDBusMessage::createMethodCall(
            QString::fromLatin1(BusService), QString::fromLatin1(BusPath), QString::fromLatin1(BusInterface),
            QStringLiteral("ListActivatableNames"));
        auto *second = new QDBusPendingCallWatcher(m_bus.asyncCall(activatable), this);
        connect(second, &QDBusPendingCallWatcher::finished, this, [this, generation](QDBusPendingCallWatcher *names) {
            names->deleteLater();
            if (generation != m_generation)
                return;
            const QDBusPendingReply<QStringList> list = *names;
            // An on-demand server that already failed to answer GetCapabilities did not start (a
            // daemon that needs a display, say): it is as good as absent until an owner appears.
            const bool canStart = !list.isError() && list.value().contains(QString::fromLatin1(Service)) && !m_capabilitiesFailed;
            qCInfo(lcNotify) << "notification server:"
                             << (canStart ? "activatable on demand" : m_capabilitiesFailed ? "activatable, but it did not start" : "none on the bus");
            setPresence(canStart ? Presence::Present : Presence::Absent);
            if (canStart && !m_capabilitiesKnown)
                fetchCapabilities();
        });
    });
}

void DBusNotifier::setPresence(Presence presence)
{
    if (m_presence == presence)
        return;
    m_presence = presence;
    if (presence == Presence::Absent) {
        // Whatever waited for the capabilities will not be shown here; hand it back.
        const auto waiting = std::exchange(m_waiting, {});
        for (const auto &[key, notification] : waiting)
            Q_EMIT notifyFailed(key, notification, QStringLiteral("no notification server"));
    }
    Q_EMIT presenceChanged(presence);
}

void DBusNotifier::onOwnerChanged(const QString &newOwner)
{
    qCInfo(lcNotify) << "notification server owner changed to" << (newOwner.isEmpty() ? QStringLiteral("nobody") : newOwner);
    // Ids belong to the server that gave them out; a new server knows none of them.
    forgetAll();
    ++m_generation;
    m_capabilitiesKnown = false;
    m_capabilitiesPending = false;
    m_capabilitiesFailed = false;
    m_capabilities.clear();
    m_serverName.clear();
    m_serverAdvice.clear();
    if (newOwner.isEmpty()) {
        recheckPresence();
    } else {
        setPresence(Presence::Present);
        fetchCapabilities();
        Q_EMIT serverAppeared();
    }
}

void DBusNotifier::forgetAll()
{
    const auto entries = std::exchange(m_entries, {});
    m_keys.clear();
    for (auto it = entries.cbegin(); it != entries.cend(); ++it)
        Q_EMIT closed(it.key());
}

void DBusNotifier::fetchCapabilities()
{
    if (m_capabilitiesPending || !m_bus.isConnected())
        return;
    m_capabilitiesPending = true;
    const quint64 generation = m_generation;
    const QDBusMessage call = QDBusMessage::createMethodCall(QString::fromLatin1(Service), QString::fromLatin1(ObjectPath),
                                                             QString::fromLatin1(Interface), QStringLiteral("GetCapabilities"));
    auto *watcher = new QDBusPendingCallWatcher(m_bus.asyncCall(call), this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this, [this, generation](QDBusPendingCallWatcher *pending) {
        pending->deleteLater();
        if (generation != m_generation)
            return;
        m_capabilitiesPending = false;
        const QDBusPendingReply<QStringList> reply = *pending;
        if (reply.isError()) {
            qCWarning(lcNotify) << "GetCapabilities failed:" << reply.error().message();
            m_capabilitiesFailed = true;
            // Without an answer the server is as good as absent; ask the bus what is there.
            const auto waiting = std::exchange(m_waiting, {});
            for (const auto &[key, notification] : waiting)
                Q_EMIT notifyFailed(key, notification, reply.error().message());
            recheckPresence();
            return;
        }
        m_capabilities = reply.value();
        m_capabilitiesKnown = true;
        m_capabilitiesFailed = false;
        qCInfo(lcNotify) << "notification server capabilities:" << m_capabilities;
        Q_EMIT capabilitiesChanged(m_capabilities);
        fetchServerInformation();
        const auto waiting = std::exchange(m_waiting, {});
        for (const auto &[key, notification] : waiting)
            show(key, notification);
    });
}

void DBusNotifier::fetchServerInformation()
{
    const quint64 generation = m_generation;
    const QDBusMessage call = QDBusMessage::createMethodCall(QString::fromLatin1(Service), QString::fromLatin1(ObjectPath),
                                                             QString::fromLatin1(Interface), QStringLiteral("GetServerInformation"));
    auto *watcher = new QDBusPendingCallWatcher(m_bus.asyncCall(call), this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this, [this, generation](QDBusPendingCallWatcher *pending) {
        pending->deleteLater();
        if (generation != m_generation)
            return;
        const QDBusPendingReply<QString, QString, QString, QString> reply = *pending;
        if (reply.isError()) {
            qCInfo(lcNotify) << "GetServerInformation failed:" << reply.error().message();
            return;
        }
        m_serverName = reply.argumentAt<0>();
        qCInfo(lcNotify) << "notification server:" << m_serverName << reply.argumentAt<1>() << reply.argumentAt<2>();
        m_serverAdvice = adviceFor(m_serverName);
        if (!m_serverAdvice.isEmpty())
            qCWarning(lcNotify).noquote() << m_serverAdvice;
        Q_EMIT serverIdentified(m_serverName);
    });
}

QString DBusNotifier::adviceFor(const QString &serverName)
{
    // dunst lists a notification's actions through dmenu (its default "dmenu" setting); without it
    // the Kill and Whitelist buttons exist but cannot be chosen, and dunst says nothing.
    if (serverName.compare(QLatin1String("dunst"), Qt::CaseInsensitive) == 0
        && QStandardPaths::findExecutable(QStringLiteral("dmenu")).isEmpty())
        return tr("The notification server is dunst, and dunst needs dmenu (Debian package suckless-tools) to offer "
                  "the Kill and Whitelist actions of Portwatch's notifications; dmenu is not on PATH. Install it, "
                  "or use the tray menu or the notification's Details window instead.");
    return {};
}

bool DBusNotifier::supportsActions() const
{
    return !m_capabilitiesKnown || m_capabilities.contains(QStringLiteral("actions"));
}

uint DBusNotifier::serverId(quint64 key) const
{
    const auto it = m_entries.constFind(key);
    return it == m_entries.cend() ? 0 : it->id;
}

void DBusNotifier::show(quint64 key, const Notification &notification)
{
    if (!m_capabilitiesKnown) {
        for (auto &[waitingKey, waiting] : m_waiting) {
            if (waitingKey == key) {
                waiting = notification;
                return;
            }
        }
        m_waiting.append({key, notification});
        fetchCapabilities();
        return;
    }
    Entry &entry = m_entries[key];
    if (entry.inFlight) {
        // Send it once the server told us the id to replace; two Notify calls racing would give
        // two notifications.
        entry.queued = notification;
        entry.closeWhenKnown = false;
        return;
    }
    sendNotify(key, notification);
}

void DBusNotifier::sendNotify(quint64 key, const Notification &notification)
{
    Entry &entry = m_entries[key];
    entry.inFlight = true;

    const bool buttons = notification.offerActions && m_capabilities.contains(QStringLiteral("actions"));
    // Only what leads somewhere is offered: a "Details" that does nothing is worse than none.
    QStringList actions;
    if (!notification.clickLabel.isEmpty())
        actions << QString::fromLatin1(NotificationAction::Default) << notification.clickLabel;
    if (buttons && notification.offerKill)
        actions << QString::fromLatin1(NotificationAction::Kill) << tr("Kill");
    if (buttons)
        actions << QString::fromLatin1(NotificationAction::Whitelist) << tr("Whitelist");

    QVariantMap hints;
    hints.insert(QStringLiteral("desktop-entry"), QStringLiteral("portwatch"));
    hints.insert(QStringLiteral("urgency"), QVariant::fromValue(urgencyByte(notification.urgency)));
    hints.insert(QStringLiteral("category"), QStringLiteral("network"));
    // The picture itself, and a PNG path as app_icon for servers that only read that: the name
    // "portwatch" shows nothing (or a grey placeholder) unless an icon theme has it installed.
    QString appIcon = QStringLiteral("portwatch");
    if (!notification.iconPath.isEmpty()) {
        const NotificationImage image = imageFor(notification.iconPath);
        if (!image.data.isEmpty())
            hints.insert(QStringLiteral("image-data"), QVariant::fromValue(image));
        if (const QString png = notificationicon::pngFile(notification.iconPath); !png.isEmpty())
            appIcon = png;
    }

    const QString text = notification.offerActions && !buttons && !notification.bodyWithoutActions.isEmpty()
                             ? notification.bodyWithoutActions
                             : notification.body;
    const QString body = m_capabilities.contains(QStringLiteral("body-markup")) ? text.toHtmlEscaped() : text;
    // Alerts stay until acted on or withdrawn (we close them when the listener goes away);
    // outcomes use the server's default timeout.
    const int expireMs = notification.persistent ? 0 : -1;

    QDBusMessage call = QDBusMessage::createMethodCall(QString::fromLatin1(Service), QString::fromLatin1(ObjectPath),
                                                       QString::fromLatin1(Interface), QStringLiteral("Notify"));
    call << QStringLiteral("Portwatch") << entry.id << appIcon << notification.title << body
         << actions << hints << expireMs;

    const quint64 generation = m_generation;
    const QDBusPendingCall pendingNotify = m_bus.asyncCall(call);
    entry.notifyCall = pendingNotify;
    auto *watcher = new QDBusPendingCallWatcher(pendingNotify, this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this,
            [this, key, notification, generation](QDBusPendingCallWatcher *pending) {
                pending->deleteLater();
                if (generation != m_generation)
                    return; // sent to a server that is gone; forgetAll() already reported it
                const QDBusPendingReply<uint> reply = *pending;
                onNotifyAnswered(key, notification, reply.isError() ? 0 : reply.value(),
                                 reply.isError() ? reply.error().message() : QString());
            });
}

NotificationImage DBusNotifier::imageFor(const QString &path)
{
    auto it = m_images.find(path);
    if (it == m_images.end()) {
        const QImage image = notificationicon::render(path);
        if (image.isNull())
            qCWarning(lcNotify) << "cannot render the notification icon" << path;
        it = m_images.insert(path, image.isNull() ? NotificationImage{} : NotificationImage::fromImage(image));
    }
    return it.value();
}

void DBusNotifier::onNotifyAnswered(quint64 key, const Notification &notification, uint id, const QString &error)
{
    const auto it = m_entries.find(key);
    if (it == m_entries.end())
        return;
    Entry &entry = it.value();
    entry.inFlight = false;
    entry.notifyCall.reset();
    if (!error.isEmpty() || id == 0) {
        qCWarning(lcNotify) << "Notify failed:" << error;
        if (entry.id != 0)
            m_keys.remove(entry.id);
        const bool wanted = !entry.closeWhenKnown;
        const std::optional<Notification> latest = entry.queued;
        m_entries.erase(it);
        if (wanted)
            Q_EMIT notifyFailed(key, latest.value_or(notification), error);
        return;
    }
    if (entry.id != 0 && entry.id != id)
        m_keys.remove(entry.id);
    entry.id = id;
    m_keys.insert(id, key);

    if (entry.closeWhenKnown) {
        close(key);
    } else if (entry.queued) {
        const Notification next = *entry.queued;
        entry.queued.reset();
        sendNotify(key, next);
    }
}

void DBusNotifier::close(quint64 key)
{
    m_waiting.removeIf([key](const QPair<quint64, Notification> &waiting) { return waiting.first == key; });
    const auto it = m_entries.find(key);
    if (it == m_entries.end())
        return;
    if (it->inFlight) {
        it->closeWhenKnown = true;
        it->queued.reset();
        return;
    }
    const uint id = it->id;
    m_entries.erase(it);
    if (id != 0) {
        m_keys.remove(id);
        sendClose(id);
    }
}

QDBusPendingCall DBusNotifier::sendClose(uint id, int timeoutMs)
{
    QDBusMessage call = QDBusMessage::createMethodCall(QString::fromLatin1(Service), QString::fromLatin1(ObjectPath),
                                                       QString::fromLatin1(Interface), QStringLiteral("CloseNotification"));
    call << id;
    // Fire and forget: the server answers with an error when the notification is already gone,
    // which is fine.
    const QDBusPendingCall pending = m_bus.asyncCall(call, timeoutMs);
    auto *watcher = new QDBusPendingCallWatcher(pending, this);
    connect(watcher, &QDBusPendingCallWatcher::finished, watcher, &QObject::deleteLater);
    return pending;
}

void DBusNotifier::onActionInvoked(uint id, const QString &action)
{
    const auto it = m_keys.constFind(id);
    if (it == m_keys.cend()) {
        qCDebug(lcNotify) << "ignoring action" << action << "for notification" << id << "(not ours)";
        return;
    }
    const quint64 key = it.value();
    qCInfo(lcNotify) << "action" << action << "on notification" << id;
    // Withdraw it first: it has been acted on, and the receivers may show a new one under the same key.
    close(key);
    Q_EMIT actionInvoked(key, action);
    Q_EMIT closed(key);
}

void DBusNotifier::onNotificationClosed(uint id, uint reason)
{
    const auto it = m_keys.constFind(id);
    if (it == m_keys.cend())
        return;
    const quint64 key = it.value();
    m_keys.erase(it);
    qCDebug(lcNotify) << "notification" << id << "closed, reason" << reason;
    const auto entry = m_entries.find(key);
    if (entry != m_entries.end() && entry->inFlight) {
        // An update is on its way with replaces_id = id; the server will answer with a fresh id.
        entry->id = 0;
        return;
    }
    m_entries.remove(key);
    Q_EMIT closed(key);
}

} // namespace portwatch
