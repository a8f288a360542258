// A fake org.freedesktop.Notifications server for tests on a private bus. It owns the name on a
// connection of its own and answers from a thread of its own, so the code under test (on the
// session bus connection, in the test's main thread) never waits for a server in its own thread.
// Every call is recorded, thread-safely; the test makes it emit ActionInvoked / NotificationClosed.
#pragma once

#include <QImage>
#include <QList>
#include <QMutex>
#include <QString>
#include <QStringList>
#include <QThread>
#include <QVariantMap>

#include <memory>

class FakeNotificationServerObject;

class FakeNotificationServer final
{
public:
    struct NotifyCall {
        QString appName;
        uint replacesId = 0;
        QString appIcon;
        QString summary;
        QString body;
        QStringList actions; // id, label, id, label, ...
        QVariantMap hints;
        int expireTimeout = -1;
        uint id = 0; // what the server answered
        // The "image-data" hint decoded as the specification describes it (null when absent or
        // malformed), and its raw fields.
        QImage image;
        QList<int> imageFields; // width, height, rowstride, has alpha, bits per sample, channels, data size

        // The action ids, without their labels.
        QStringList actionIds() const;
    };

    explicit FakeNotificationServer(QStringList capabilities = {QStringLiteral("actions"), QStringLiteral("body")});
    ~FakeNotificationServer(); // releases the name and the connection

    FakeNotificationServer(const FakeNotificationServer &) = delete;
    FakeNotificationServer &operator=(const FakeNotificationServer &) = delete;

    // Connects, registers the object and takes the name; false with `error` set when it could not.
    bool start(QString *error = nullptr);

    // What GetServerInformation answers as the name ("fake" unless set), e.g. "dunst".
    void setServerName(const QString &name);

    QList<NotifyCall> notifyCalls() const;
    QList<uint> closeCalls() const;
    int capabilityCalls() const;
    // The ids handed out and not closed since.
    QList<uint> openIds() const;

    // Emit the server's signals, from the server's thread, as a real server does on a click.
    void invokeAction(uint id, const QString &action);
    void closeNotification(uint id, uint reason = 2);

private:
    friend class FakeNotificationServerObject;

    QStringList m_capabilities;
    QString m_connectionName;
    QThread m_thread;
    FakeNotificationServerObject *m_object = nullptr;
    bool m_started = false;

    mutable QMutex m_mutex;
    QList<NotifyCall> m_notifies;
    QList<uint> m_closes;
    QList<uint> m_open;
    int m_capabilityCalls = 0;
    QString m_serverName = QStringLiteral("fake");
    uint m_lastId = 0;
};
