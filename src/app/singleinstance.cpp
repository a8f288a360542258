// One instance per user: see singleinstance.h.
#include "singleinstance.h"

#include "platform/accounts.h"

#include <QDir>
#include <QLocalServer>
#include <QLocalSocket>
#include <QLockFile>
#include <QStandardPaths>

#include <spdlog/spdlog.h>


namespace portwatch {
namespace {

// A request is one line; a peer that sends more than this is not a Portwatch.
constexpr qint64 maxMessageBytes = 256;
// sockaddr_un::sun_path holds 108 bytes, the terminating NUL included.
constexpr qsizetype maxSocketPathBytes = 108;

QString runtimeDir()
{
    QString dir = QStandardPaths::writableLocation(QStandardPaths::RuntimeLocation);
    if (dir.isEmpty())
        dir = QDir::tempPath();
    return dir;
}

} // namespace

SingleInstance::SingleInstance(QString name, QObject *parent)
    : QObject(parent)
    , m_name(name.isEmpty() ? defaultName() : std::move(name))
{
}

SingleInstance::~SingleInstance()
{
    if (m_server)
        m_server->close();
    if (m_lock)
        m_lock->unlock();
}

QString SingleInstance::defaultName()
{
    const QString override = qEnvironmentVariable("PORTWATCH_INSTANCE_NAME");
    if (!override.isEmpty())
        return override;
    return QStringLiteral("portwatch-%1").arg(QString::fromStdString(platform::currentUserKey()));
}

QString SingleInstance::lockPath() const
{
    return runtimeDir() + QLatin1Char('/') + m_name + QStringLiteral(".lock");
}

QString SingleInstance::serverPath() const
{
    return runtimeDir() + QLatin1Char('/') + m_name + QStringLiteral(".socket");
}

bool SingleInstance::tryBecomePrimary()
{
    if (m_server)
        return true;
    m_error.clear();
    auto lock = std::make_unique<QLockFile>(lockPath());
    // Only a dead holder makes a lock stale, never its age: Portwatch runs for days.
    lock->setStaleLockTime(0);
    if (!lock->tryLock(0)) {
        if (lock->error() != QLockFile::LockFailedError)
            m_error = tr("cannot create the lock file %1").arg(lockPath());
        return false;
    }
    if (serverPath().toLocal8Bit().size() >= maxSocketPathBytes) {
        m_error = tr("the socket path %1 is too long for a local socket").arg(serverPath());
        return false;
    }
    // We hold the lock, so a socket file left behind is from an instance that died.
    QLocalServer::removeServer(serverPath());
    auto *server = new QLocalServer(this);
    server->setSocketOptions(QLocalServer::UserAccessOption);
    if (!server->listen(serverPath())) {
        m_error = tr("cannot listen on %1: %2").arg(serverPath(), server->errorString());
        delete server;
        return false;
    }
    connect(server, &QLocalServer::newConnection, this, &SingleInstance::onNewConnection);
    m_lock = std::move(lock);
    m_server = server;
    spdlog::debug("single instance: primary, listening on {}", serverPath().toStdString());
    return true;
}

bool SingleInstance::sendToPrimary(const QByteArray &message, int timeoutMs)
{
    QLocalSocket socket;
    socket.connectToServer(serverPath());
    if (!socket.waitForConnected(timeoutMs)) {
        m_error = tr("cannot reach the running Portwatch at %1: %2").arg(serverPath(), socket.errorString());
        return false;
    }
    socket.write(message + '\n');
    if (!socket.waitForBytesWritten(timeoutMs)) {
        m_error = tr("cannot send to the running Portwatch: %1").arg(socket.errorString());
        return false;
    }
    // The primary closes the connection once it has read the line: then the message has arrived.
    if (socket.state() == QLocalSocket::ConnectedState)
        socket.waitForDisconnected(timeoutMs);
    return true;
}

void SingleInstance::onNewConnection()
{
    while (QLocalSocket *socket = m_server->nextPendingConnection()) {
        connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
        connect(socket, &QLocalSocket::readyRead, this, [this, socket] {
            if (!socket->canReadLine()) {
                if (socket->bytesAvailable() > maxMessageBytes)
                    socket->abort();
                return;
            }
            const QByteArray line = socket->readLine(maxMessageBytes).trimmed();
            socket->disconnectFromServer();
            spdlog::info("another Portwatch was started; it asked for \"{}\"", line.toStdString());
            Q_EMIT messageReceived(line);
        });
    }
}

} // namespace portwatch
