// Single instance and the portwatch program's start-up: a second `portwatch` hands its request to the
// first and exits 0; the lock is released when the first goes away; without a display the program
// points to portwatch-cli watch and exits 3.
#include "app/singleinstance.h"

#include <QProcess>
#include <QProcessEnvironment>
#include <QSignalSpy>
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
