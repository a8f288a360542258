// The XDG autostart entry: where it goes, what it says (Exec quoted per the Desktop Entry
// Specification), written and removed.
#include "app/xdgautostart.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>
#include <QTest>

using namespace portwatch;

class TestAutostart : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        QFile::remove(autostart::entryPath());
    }

    void pathUnderXdgConfigHome()
    {
        const QString configHome = qEnvironmentVariable("XDG_CONFIG_HOME");
        QVERIFY(!configHome.isEmpty()); // the test runs with private XDG dirs
        QCOMPARE(autostart::entryPath(), configHome + QStringLiteral("/autostart/portwatch.desktop"));
    }

    void quoting_data()
    {
        QTest::addColumn<QString>("argument");
        QTest::addColumn<QString>("quoted");
        QTest::newRow("plain") << QStringLiteral("/usr/bin/portwatch") << QStringLiteral("/usr/bin/portwatch");
        QTest::newRow("space") << QStringLiteral("/opt/My Apps/portwatch") << QStringLiteral("\"/opt/My Apps/portwatch\"");
        QTest::newRow("dollar") << QStringLiteral("/opt/$x/pw") << QStringLiteral("\"/opt/\\$x/pw\"");
        QTest::newRow("percent") << QStringLiteral("/opt/100%/pw") << QStringLiteral("/opt/100%%/pw");
    }

    void quoting()
    {
        QFETCH(QString, argument);
        QFETCH(QString, quoted);
        QCOMPARE(autostart::quoteExecArgument(argument), quoted);
    }

    void writeAndRemove()
    {
        QVERIFY(!autostart::isEnabled());
        QString error;
        QVERIFY2(autostart::setEnabled(true, &error), qPrintable(error));
        QVERIFY(autostart::isEnabled());
        QFile file(autostart::entryPath());
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QStringList lines = QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'));
        QCOMPARE(lines.first(), QStringLiteral("[Desktop Entry]"));
        QVERIFY(lines.contains(QStringLiteral("Exec=") + QCoreApplication::applicationFilePath()));
        QVERIFY(lines.contains(QStringLiteral("Type=Application")));
        QVERIFY(lines.contains(QStringLiteral("Name=Portwatch")));
        file.close();

        QVERIFY2(autostart::setEnabled(false, &error), qPrintable(error));
        QVERIFY(!autostart::isEnabled());
        QVERIFY(autostart::setEnabled(false, &error)); // removing what is not there is fine
    }

    void explicitExecutableWithSpaces()
    {
        QVERIFY(autostart::setEnabled(true, nullptr, QStringLiteral("/opt/Port Watch/portwatch")));
        QFile file(autostart::entryPath());
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(QString::fromUtf8(file.readAll()).contains(QStringLiteral("\nExec=\"/opt/Port Watch/portwatch\"\n")));
    }
};

QTEST_GUILESS_MAIN(TestAutostart)
#include "tst_autostart.moc"
