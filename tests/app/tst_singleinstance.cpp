// Single instance and the portwatch program's start-up: a second `portwatch` hands its request to the
// first and exits 0; the lock is released when the first goes away; without a display the program
// points to portwatch-cli watch and exits 3.
#include "app/displaycheck.h"
#include "app/singleinstance.h"

#include <QFile>
#include <QLocalServer>
#include <QProcess>
#include <QProcessEnvironment>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

#include <memory>

using namespace portwatch;

namespace {

// Short: a local socket path must fit in sockaddr_un (108 bytes), and the test's runtime directory
// sits deep in the build tree.
QString uniqueName()
{
    return QStringLiteral("pwt-%1").arg(QUuid::createUuid().toString(QUuid::Id128).left(10));
}

QProcessEnvironment portwatchEnvironment(const QString &instanceName)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("PORTWATCH_INSTANCE_NAME"), instanceName);
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    return env;
}

// As on a server or over SSH: no X11 or Wayland display, and no platform plugin forced. With `empty`,
// the variables are set but empty (`DISPLAY= portwatch`), which means the same.
QProcessEnvironment withoutDisplay(const QString &instanceName, bool empty = false)
{
    QProcessEnvironment env = portwatchEnvironment(instanceName);
    for (const char *name : {"QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"}) {
        env.remove(QString::fromLatin1(name));
        if (empty)
            env.insert(QString::fromLatin1(name), QString());
    }
    return env;
}

// A TCP port on loopback that nothing listens on (it was free a moment ago), above 6000.
quint16 closedPort()
{
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost))
        return 0;
    return server.serverPort();
}

} // namespace

class TestSingleInstance : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void nameHasTheUidOrTheOverride()
    {
        qunsetenv("PORTWATCH_INSTANCE_NAME");
        QVERIFY(SingleInstance::defaultName().startsWith(QStringLiteral("portwatch-")));
        QVERIFY(SingleInstance::defaultName().at(10).isDigit());
        qputenv("PORTWATCH_INSTANCE_NAME", "portwatch-override");
        QCOMPARE(SingleInstance::defaultName(), QStringLiteral("portwatch-override"));
        QVERIFY(SingleInstance().lockPath().endsWith(QStringLiteral("/portwatch-override.lock")));
        qunsetenv("PORTWATCH_INSTANCE_NAME");
    }

    void secondInstanceInTheSameSessionIsRefused()
    {
        const QString name = uniqueName();
        SingleInstance first(name);
        QVERIFY2(first.tryBecomePrimary(), qPrintable(first.errorString()));
        QVERIFY(first.isPrimary());
        SingleInstance second(name);
        QVERIFY(!second.tryBecomePrimary());
        QVERIFY(!second.isPrimary());
        QVERIFY2(second.errorString().isEmpty(), qPrintable(second.errorString()));
    }

    void lockIsReleasedWhenThePrimaryGoesAway()
    {
        const QString name = uniqueName();
        auto first = std::make_unique<SingleInstance>(name);
        QVERIFY(first->tryBecomePrimary());
        first.reset();
        SingleInstance next(name);
        QVERIFY2(next.tryBecomePrimary(), qPrintable(next.errorString()));
    }

    void secondPortwatchAsksTheFirstToOpenItsSettings()
    {
        const QString name = uniqueName();
        SingleInstance first(name);
        QVERIFY(first.tryBecomePrimary());
        QSignalSpy received(&first, &SingleInstance::messageReceived);

        QProcess second;
        second.setProcessEnvironment(portwatchEnvironment(name));
        second.start(QStringLiteral(PORTWATCH_BINARY), {});
        QVERIFY(second.waitForStarted());
        // The primary is this test: its event loop must run for the message to arrive.
        QTRY_COMPARE_WITH_TIMEOUT(received.size(), 1, 20000);
        QCOMPARE(received.at(0).at(0).toByteArray(), QByteArray(SingleInstance::showSettingsMessage));
        QTRY_COMPARE_WITH_TIMEOUT(second.state(), QProcess::NotRunning, 20000);
        QCOMPARE(second.exitStatus(), QProcess::NormalExit);
        QCOMPARE(second.exitCode(), 0);
    }

    void noDisplayPointsToTheCliAndExits3_data()
    {
        QTest::addColumn<bool>("empty");
        QTest::newRow("unset") << false;
        QTest::newRow("set but empty") << true;
    }

    void noDisplayPointsToTheCliAndExits3()
    {
        QFETCH(bool, empty);
        QProcess program;
        program.setProcessEnvironment(withoutDisplay(uniqueName(), empty));
        program.start(QStringLiteral(PORTWATCH_BINARY), {});
        QVERIFY(program.waitForFinished(20000));
        QCOMPARE(program.exitCode(), 3);
        const QString error = QString::fromUtf8(program.readAllStandardError());
        QVERIFY2(error.contains(QStringLiteral("portwatch-cli watch")), qPrintable(error));
        QVERIFY2(error.contains(QStringLiteral("no display")), qPrintable(error));
    }

    // DISPLAY names an X server that is not there: Qt would abort (134); Portwatch says so and exits 3.
    void unreachableDisplayIsSaidPlainlyAndExits3_data()
    {
        QTest::addColumn<QString>("display");
        QTest::addColumn<QString>("wayland");
        // No server has display 4999 here; the socket of that name is checked to be absent below.
        QTest::newRow("local") << QStringLiteral(":4999") << QString();
        QTest::newRow("local with screen") << QStringLiteral("unix:4999.0") << QString();
        QTest::newRow("tcp") << QStringLiteral("127.0.0.1:%1").arg(closedPort() - 6000) << QString();
        QTest::newRow("wayland socket missing too") << QStringLiteral(":4999") << QStringLiteral("wayland-4999");
        QTest::newRow("not a display at all") << QStringLiteral("nonsense") << QString();
    }

    void unreachableDisplayIsSaidPlainlyAndExits3()
    {
        QFETCH(QString, display);
        QFETCH(QString, wayland);
        QVERIFY(!QFile::exists(QStringLiteral("/tmp/.X11-unix/X4999")));
        QProcessEnvironment env = withoutDisplay(uniqueName());
        env.insert(QStringLiteral("DISPLAY"), display);
        if (!wayland.isEmpty())
            env.insert(QStringLiteral("WAYLAND_DISPLAY"), wayland);
        QProcess program;
        program.setProcessEnvironment(env);
        program.start(QStringLiteral(PORTWATCH_BINARY), {});
        QVERIFY(program.waitForFinished(20000));
        const QString error = QString::fromUtf8(program.readAllStandardError());
        QCOMPARE(program.exitStatus(), QProcess::NormalExit);
        QVERIFY2(program.exitCode() == 3, qPrintable(QStringLiteral("exit %1: %2").arg(program.exitCode()).arg(error)));
        QVERIFY2(error.contains(QStringLiteral("no display reachable")), qPrintable(error));
        QVERIFY2(error.contains(display), qPrintable(error));
        QVERIFY2(error.contains(QStringLiteral("portwatch-cli watch")), qPrintable(error));
        QVERIFY2(!error.contains(QStringLiteral("Reinstalling")), qPrintable(error));
        if (!wayland.isEmpty())
            QVERIFY2(error.contains(QStringLiteral("WAYLAND_DISPLAY")), qPrintable(error));
    }

    // A display whose server answers gets past the check; the addresses follow X's naming.
    void reachableDisplayPassesTheCheck()
    {
        QCOMPARE(portwatch::displaycheck::xServerAddress(QStringLiteral(":0")), QStringLiteral("/tmp/.X11-unix/X0"));
        QCOMPARE(portwatch::displaycheck::xServerAddress(QStringLiteral(":91.0")), QStringLiteral("/tmp/.X11-unix/X91"));
        QCOMPARE(portwatch::displaycheck::xServerAddress(QStringLiteral("unix:3")), QStringLiteral("/tmp/.X11-unix/X3"));
        QCOMPARE(portwatch::displaycheck::xServerAddress(QStringLiteral("host/unix:3")), QStringLiteral("/tmp/.X11-unix/X3"));
        QCOMPARE(portwatch::displaycheck::xServerAddress(QStringLiteral("example.org:10")), QStringLiteral("example.org:6010"));
        QCOMPARE(portwatch::displaycheck::xServerAddress(QStringLiteral("nonsense")), QString());

        const QByteArray savedDisplay = qgetenv("DISPLAY"), savedWayland = qgetenv("WAYLAND_DISPLAY"),
                         savedPlatform = qgetenv("QT_QPA_PLATFORM");
        const auto restore = qScopeGuard([&] {
            qputenv("DISPLAY", savedDisplay);
            qputenv("WAYLAND_DISPLAY", savedWayland);
            qputenv("QT_QPA_PLATFORM", savedPlatform);
        });
        qunsetenv("QT_QPA_PLATFORM");
        qunsetenv("WAYLAND_DISPLAY");

        // An "X server" on TCP: a listener on 6000 + n.
        QTcpServer x;
        quint16 number = 0;
        for (quint16 n = 4100; n < 4200 && !x.isListening(); ++n) {
            if (x.listen(QHostAddress::LocalHost, quint16(6000 + n)))
                number = n;
        }
        QVERIFY(x.isListening());
        qputenv("DISPLAY", QStringLiteral("127.0.0.1:%1").arg(number).toLatin1());
        QCOMPARE(portwatch::displaycheck::problem(), QString());
        x.close();
        QVERIFY(portwatch::displaycheck::problem().contains(QStringLiteral("no X server answers")));

        // A Wayland compositor's socket, by absolute path, is enough on its own.
        QTemporaryDir dir;
        QLocalServer compositor;
        QVERIFY(compositor.listen(dir.filePath(QStringLiteral("wayland-0"))));
        qputenv("WAYLAND_DISPLAY", compositor.fullServerName().toLocal8Bit());
        QCOMPARE(portwatch::displaycheck::problem(), QString());
    }

    void versionAndBadArgumentsNeedNoDisplay()
    {
        QProcess program;
        program.setProcessEnvironment(withoutDisplay(uniqueName()));
        program.start(QStringLiteral(PORTWATCH_BINARY), {QStringLiteral("--version")});
        QVERIFY(program.waitForFinished(20000));
        QCOMPARE(program.exitCode(), 0);
        QVERIFY(program.readAllStandardOutput().contains(PORTWATCH_VERSION));

        program.start(QStringLiteral(PORTWATCH_BINARY), {QStringLiteral("--log-level"), QStringLiteral("loud")});
        QVERIFY(program.waitForFinished(20000));
        QCOMPARE(program.exitCode(), 2);
        QVERIFY(program.readAllStandardError().contains("unknown log level"));
    }
};

QTEST_GUILESS_MAIN(TestSingleInstance)
#include "tst_singleinstance.moc"
