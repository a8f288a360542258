// Service names: the built-in table for the default watched ports, /etc/services for the rest (its
// first line for a port wins, comments and aliases are skipped), read once, and nothing for a port
// nobody names.
#include "core/config.h"
#include "core/servicenames.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <memory>

using portwatch::platform::Protocol;
namespace servicenames = portwatch::servicenames;

class TestServiceNames : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    QString writeServices(const QByteArray &text)
    {
        const QString path = m_dir.filePath(QStringLiteral("services"));
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return {};
        file.write(text);
        return path;
    }

private Q_SLOTS:
    void init()
    {
        QVERIFY(m_dir.isValid());
        servicenames::setServicesFile(writeServices(
            "# comment line\n"
            "ftp-data\t20/tcp\n"
            "http\t\t80/tcp\t\twww\t\t# WorldWideWeb HTTP\n"
            "domain\t\t53/udp\n"
            "ipp\t\t631/tcp\t\t\t\t# Internet Printing Protocol\n"
            "tproxy\t\t1234/tcp\t\tfirst\n"
            "later\t\t1234/tcp\n"
            "biff\t\t512/udp\t\tcomsat\n"
            "broken\t\tnot-a-port/tcp\n"
            "toobig\t\t70000/tcp\n"));
    }

    void defaultWatchedPortsHaveReadableNames()
    {
        QCOMPARE(servicenames::name(Protocol::Tcp, 5432), QStringLiteral("PostgreSQL"));
        QCOMPARE(servicenames::name(Protocol::Tcp, 8080), QStringLiteral("HTTP alternate"));
        QCOMPARE(servicenames::name(Protocol::Tcp, 80), QStringLiteral("HTTP")); // the table, not "http"
        // Every port watched out of the box has a name.
        for (const portwatch::PortSpec &spec : portwatch::Config::defaults().watched) {
            for (const auto &item : spec.items()) {
                QVERIFY2(!servicenames::name(item.udp && !item.tcp ? Protocol::Udp : Protocol::Tcp, item.range.first).isEmpty(),
                         qPrintable(spec.toString()));
            }
        }
    }

    void othersComeFromTheServicesFile()
    {
        QCOMPARE(servicenames::name(Protocol::Tcp, 20), QStringLiteral("ftp-data"));
        QCOMPARE(servicenames::name(Protocol::Udp, 512), QStringLiteral("biff"));
        QCOMPARE(servicenames::name(Protocol::Tcp, 1234), QStringLiteral("tproxy")); // the first line wins
        QCOMPARE(servicenames::name(Protocol::Tcp, 512), QString()); // that one is UDP only
        QCOMPARE(servicenames::name(Protocol::Tcp, 4711), QString());
    }

    void theFileIsReadOnce()
    {
        QCOMPARE(servicenames::name(Protocol::Tcp, 20), QStringLiteral("ftp-data"));
        writeServices("renamed\t20/tcp\n");
        QCOMPARE(servicenames::name(Protocol::Tcp, 20), QStringLiteral("ftp-data"));
    }

    void aMissingFileLeavesTheTable()
    {
        servicenames::setServicesFile(m_dir.filePath(QStringLiteral("absent")));
        QCOMPARE(servicenames::name(Protocol::Tcp, 20), QString());
        QCOMPARE(servicenames::name(Protocol::Tcp, 6379), QStringLiteral("Redis"));
    }

    // The monitor's worker preloads while the GUI thread may already ask.
    void preloadOnAnotherThread()
    {
        std::unique_ptr<QThread> worker(QThread::create([] { servicenames::preload(); }));
        worker->start();
        QCOMPARE(servicenames::name(Protocol::Tcp, 1234), QStringLiteral("tproxy"));
        QVERIFY(worker->wait(5000));
        QCOMPARE(servicenames::name(Protocol::Udp, 512), QStringLiteral("biff"));
    }
};

QTEST_GUILESS_MAIN(TestServiceNames)
#include "tst_servicenames.moc"
