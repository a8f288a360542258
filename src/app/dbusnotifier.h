// Desktop notifications through org.freedesktop.Notifications (QtDBus): sends Notify asynchronously,
// remembers the ids the server handed out, ignores signals about anybody else's notifications, and
// keeps track of whether a server is there at all (servers may start after us, or on demand).
#pragma once

#include "notificationicon.h"
#include "notifier.h"

#include <QDBusConnection>
#include <QDBusPendingCall>
#include <QHash>
#include <QList>
#include <QPair>
#include <QStringList>

#include <chrono>
#include <optional>

class QDBusServiceWatcher;

namespace portwatch {

class DBusNotifier final : public Notifier
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DBusNotifier)
public:
    static constexpr char Service[] = "org.freedesktop.Notifications";
    static constexpr char ObjectPath[] = "/org/freedesktop/Notifications";
    static constexpr char Interface[] = "org.freedesktop.Notifications";

    enum class Presence {
        Unknown, // the bus has not answered yet
        Present, // a server owns the name, or the bus can start one on demand
        Absent,  // nobody owns the name and nothing can be activated for it
    };

    // How long shutdown waits, in all, for the server to take back our notifications.
    static constexpr std::chrono::milliseconds ShutdownWait{500};

    explicit DBusNotifier(const QDBusConnection &bus = QDBusConnection::sessionBus(), QObject *parent = nullptr);
    // Closes what is still shown (closeAll): a notification must not outlive the process with live
    // Kill / Whitelist buttons nobody answers any more.
    ~DBusNotifier() override;

    // Before the server's capabilities are known, notifications wait for them (one round trip).
    void show(quint64 key, const Notification &notification) override;
    // Withdraws it with CloseNotification; closed() is not emitted for closings asked for here.
    void close(quint64 key) override;
    // Withdraws every notification shown or on its way, and waits at most `wait` for the server to
    // confirm, so that the closings reach it even when the process exits right after. Emits nothing.
    // Also done on QCoreApplication::aboutToQuit and on destruction.
    void closeAll(std::chrono::milliseconds wait = ShutdownWait);
    // True until the server said it has no "actions" capability.
    bool supportsActions() const override;

    Presence presence() const noexcept { return m_presence; }
    bool capabilitiesKnown() const noexcept { return m_capabilitiesKnown; }
    QStringList capabilities() const { return m_capabilities; }
    // The server's id for what is shown under `key`; 0 when nothing is (yet).
    uint serverId(quint64 key) const;

    // The server's name from GetServerInformation ("dunst", "Xfce Notify Daemon"); empty until known.
    QString serverName() const { return m_serverName; }
    // What the user must install for this server to offer our buttons (dunst shows actions through
    // dmenu); empty when nothing is missing. Also logged as a warning once the server is known.
    QString serverAdvice() const { return m_serverAdvice; }
    static QString adviceFor(const QString &serverName);

    // Asks the bus again whether the name has an owner or can be activated.
    void recheckPresence();

Q_SIGNALS:
    void presenceChanged(portwatch::DBusNotifier::Presence presence);
    // A (new) server took the name. It knows none of what was shown before (a server that left
    // took its notifications along: closed() said so), so whatever should be on screen is shown again.
    void serverAppeared();
    void capabilitiesChanged(const QStringList &capabilities);
    void serverIdentified(const QString &name);
    // Notify failed (the server is gone after all, or refused): show it some other way.
    void notifyFailed(quint64 key, const portwatch::Notification &notification, const QString &error);

private Q_SLOTS:
    // Slots because QtDBus connects bus signals only by signature string.
    void onActionInvoked(uint id, const QString &action);
    void onNotificationClosed(uint id, uint reason);

private:
    struct Entry {
        uint id = 0;          // the server's id, once Notify answered
        bool inFlight = false; // a Notify for this key is waiting for its answer
        std::optional<Notification> queued; // shown once the Notify in flight answered
        bool closeWhenKnown = false;        // close() came while Notify was in flight
        std::optional<QDBusPendingCall> notifyCall; // the Notify in flight, for closeAll()
    };

    void sendNotify(quint64 key, const Notification &notification);
    NotificationImage imageFor(const QString &path); // rendered once per path
    void onNotifyAnswered(quint64 key, const Notification &notification, uint id, const QString &error);
    QDBusPendingCall sendClose(uint id, int timeoutMs = -1);
    void fetchCapabilities();
    void fetchServerInformation();
    void setPresence(Presence presence);
    void onOwnerChanged(const QString &newOwner);
    void forgetAll();

    QDBusConnection m_bus;
    QDBusServiceWatcher *m_watcher = nullptr;
    Presence m_presence = Presence::Unknown;
    bool m_capabilitiesKnown = false;
    bool m_capabilitiesPending = false;
    // GetCapabilities failed for the current owner (or for the on-demand server, which then did not
    // start): do not ask again until the owner changes, or presence checks and retries would chase
    // each other without pause.
    bool m_capabilitiesFailed = false;
    QStringList m_capabilities;
    QString m_serverName;
    QString m_serverAdvice;
    quint64 m_generation = 0; // bumped when the server changes: answers from the old one are stale
    QHash<quint64, Entry> m_entries;
    QHash<uint, quint64> m_keys; // server id -> key, only for our own notifications
    QList<QPair<quint64, Notification>> m_waiting; // shown before the capabilities were known
    QHash<QString, NotificationImage> m_images;
};

} // namespace portwatch
