// The fake notification server for D-Bus tests: see fakenotificationserver.h.
#include "fakenotificationserver.h"

#include <QAtomicInteger>
#include <QDBusArgument>
#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusError>
#include <QMetaObject>
#include <QMutexLocker>
#include <QObject>

// The object the bus calls, living in the server's thread. Slot and signal names are the
// interface's member names, exported as they are.
class FakeNotificationServerObject final : public QObject
{
    Q_OBJECT
    Q_CLASSINFO("D-Bus Interface", "org.freedesktop.Notifications")
public:
    explicit FakeNotificationServerObject(FakeNotificationServer *server) : m_server(server) {}

public Q_SLOTS:
    QStringList GetCapabilities()
    {
        QMutexLocker lock(&m_server->m_mutex);
        ++m_server->m_capabilityCalls;
        return m_server->m_capabilities;
    }

    uint Notify(const QString &appName, uint replacesId, const QString &appIcon, const QString &summary,
                const QString &body, const QStringList &actions, const QVariantMap &hints, int expireTimeout)
    {
        QMutexLocker lock(&m_server->m_mutex);
        FakeNotificationServer::NotifyCall call{appName, replacesId, appIcon, summary, body, actions, hints, expireTimeout, 0, {}, {}};
        decodeImage(hints.value(QStringLiteral("image-data")), call);
        // As the specification says: replace the notification when it is still open, else a new id.
        call.id = replacesId != 0 && m_server->m_open.contains(replacesId) ? replacesId : ++m_server->m_lastId;
        if (!m_server->m_open.contains(call.id))
            m_server->m_open.append(call.id);
        m_server->m_notifies.append(call);
        return call.id;
    }

    void CloseNotification(uint id)
    {
        bool wasOpen = false;
        {
            QMutexLocker lock(&m_server->m_mutex);
            m_server->m_closes.append(id);
            wasOpen = m_server->m_open.removeAll(id) > 0;
        }
        if (wasOpen)
            Q_EMIT NotificationClosed(id, 3); // 3: closed by a call to CloseNotification
    }

    QString GetServerInformation(QString &vendor, QString &version, QString &specVersion)
    {
        QMutexLocker lock(&m_server->m_mutex);
        vendor = QStringLiteral("Portwatch tests");
        version = QStringLiteral("1");
        specVersion = QStringLiteral("1.2");
        return m_server->m_serverName;
    }

Q_SIGNALS:
    void ActionInvoked(uint id, const QString &actionKey);
    void NotificationClosed(uint id, uint reason);

private:
    // Reads (iiibiiay) the way a server does, without the notifier's own code.
    static void decodeImage(const QVariant &hint, FakeNotificationServer::NotifyCall &call)
    {
        if (!hint.canConvert<QDBusArgument>())
            return;
        const QDBusArgument argument = hint.value<QDBusArgument>();
        if (argument.currentSignature() != QLatin1String("(iiibiiay)"))
            return;
        int width = 0, height = 0, rowStride = 0, bits = 0, channels = 0;
        bool alpha = false;
        QByteArray data;
        argument.beginStructure();
        argument >> width >> height >> rowStride >> alpha >> bits >> channels >> data;
        argument.endStructure();
        call.imageFields = {width, height, rowStride, int(alpha), bits, channels, int(data.size())};
        if (bits != 8 || channels != 4 || !alpha || width <= 0 || height <= 0 || rowStride < width * 4
            || data.size() < qsizetype(rowStride) * height)
            return;
        call.image = QImage(reinterpret_cast<const uchar *>(data.constData()), width, height, rowStride,
                            QImage::Format_RGBA8888)
                         .copy();
    }

    FakeNotificationServer *m_server;
};

QStringList FakeNotificationServer::NotifyCall::actionIds() const
{
    QStringList ids;
    for (qsizetype i = 0; i < actions.size(); i += 2)
        ids.append(actions.at(i));
    return ids;
}

FakeNotificationServer::FakeNotificationServer(QStringList capabilities)
    : m_capabilities(std::move(capabilities))
{
    static QAtomicInteger<int> instances;
    m_connectionName = QStringLiteral("fake-notification-server-%1").arg(instances.fetchAndAddRelaxed(1));
    m_thread.setObjectName(QStringLiteral("fake-notification-server"));
}

FakeNotificationServer::~FakeNotificationServer()
{
    QDBusConnection connection(m_connectionName);
    if (m_started)
        connection.unregisterService(QStringLiteral("org.freedesktop.Notifications"));
    if (m_object) {
        connection.unregisterObject(QStringLiteral("/org/freedesktop/Notifications"));
        // Deleted in its own thread, while the connection it was registered on still exists.
        if (m_thread.isRunning())
            QMetaObject::invokeMethod(m_object, [object = m_object] { delete object; }, Qt::BlockingQueuedConnection);
        else
            delete m_object;
    }
    m_thread.quit();
    m_thread.wait();
    QDBusConnection::disconnectFromBus(m_connectionName);
}

bool FakeNotificationServer::start(QString *error)
{
    QDBusConnection connection = QDBusConnection::connectToBus(QDBusConnection::SessionBus, m_connectionName);
    if (!connection.isConnected()) {
        if (error)
            *error = QStringLiteral("no session bus: %1").arg(connection.lastError().message());
        return false;
    }
    // Registered while still in this thread (QtDBus gives it a child object for the signals), then
    // moved with that child to the server's thread, before the name makes it reachable.
    m_object = new FakeNotificationServerObject(this);
    if (!connection.registerObject(QStringLiteral("/org/freedesktop/Notifications"), m_object,
                                   QDBusConnection::ExportAllSlots | QDBusConnection::ExportAllSignals)) {
        if (error)
            *error = QStringLiteral("cannot register the object: %1").arg(connection.lastError().message());
        return false;
    }
    m_thread.start();
    m_object->moveToThread(&m_thread);
    // QtDBus delivers each call to the object's thread, so answers come from m_thread.
    if (!connection.registerService(QStringLiteral("org.freedesktop.Notifications"))) {
        if (error)
            *error = QStringLiteral("cannot own the name: %1").arg(connection.lastError().message());
        return false;
    }
    m_started = true;
    return true;
}

void FakeNotificationServer::setServerName(const QString &name)
{
    QMutexLocker lock(&m_mutex);
    m_serverName = name;
}

QList<FakeNotificationServer::NotifyCall> FakeNotificationServer::notifyCalls() const
{
    QMutexLocker lock(&m_mutex);
    return m_notifies;
}

QList<uint> FakeNotificationServer::closeCalls() const
{
    QMutexLocker lock(&m_mutex);
    return m_closes;
}

int FakeNotificationServer::capabilityCalls() const
{
    QMutexLocker lock(&m_mutex);
    return m_capabilityCalls;
}

QList<uint> FakeNotificationServer::openIds() const
{
    QMutexLocker lock(&m_mutex);
    return m_open;
}

void FakeNotificationServer::invokeAction(uint id, const QString &action)
{
    QMetaObject::invokeMethod(
        m_object, [object = m_object, id, action] { Q_EMIT object->ActionInvoked(id, action); }, Qt::QueuedConnection);
}

void FakeNotificationServer::closeNotification(uint id, uint reason)
{
    QMetaObject::invokeMethod(
        m_object,
        [this, id, reason] {
            {
                QMutexLocker lock(&m_mutex);
                m_open.removeAll(id);
            }
            Q_EMIT m_object->NotificationClosed(id, reason);
        },
        Qt::QueuedConnection);
}

#include "fakenotificationserver.moc"
