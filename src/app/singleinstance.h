// One Portwatch per user: the first instance holds a lock file and listens on a local socket; a
// later one finds the lock taken, sends its request (open the settings) to the first and exits.
#pragma once

#include <QByteArray>
#include <QObject>
#include <QString>

#include <memory>

class QLocalServer;
class QLockFile;

namespace portwatch {

class SingleInstance final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SingleInstance)
public:
    static constexpr const char *showSettingsMessage = "show-settings";

    // name: empty for defaultName(). Does nothing yet; call tryBecomePrimary().
    explicit SingleInstance(QString name = {}, QObject *parent = nullptr);
    ~SingleInstance() override; // releases the lock and stops listening

    // "portwatch-<uid>", or $PORTWATCH_INSTANCE_NAME when set (tests run their own instances).
    static QString defaultName();
    QString name() const { return m_name; }
    // Where the lock file and the socket live: the runtime directory ($XDG_RUNTIME_DIR), which is
    // private to the user.
    QString lockPath() const;
    QString serverPath() const;

    // Takes the lock and starts listening. False when another instance holds the lock (then use
    // sendToPrimary) or when the socket could not be opened (see errorString()).
    bool tryBecomePrimary();
    bool isPrimary() const noexcept { return m_server != nullptr; }
    QString errorString() const { return m_error; }

    // As a second instance: hands message to the primary and waits up to timeoutMs for it to arrive.
    bool sendToPrimary(const QByteArray &message, int timeoutMs = 3000);

Q_SIGNALS:
    void messageReceived(const QByteArray &message);

private:
    void onNewConnection();

    QString m_name;
    QString m_error;
    std::unique_ptr<QLockFile> m_lock;
    QLocalServer *m_server = nullptr;
};

} // namespace portwatch
