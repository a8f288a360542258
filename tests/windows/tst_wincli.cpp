// portwatch-cli.exe as a whole process under Windows: who (table and --json) names a Winsock
// listener's exe, PID, user and start time; kill asks for --yes without a console and frees the port
// with it; check and the exit statuses; bad input gets a message and status 2.
#include "winchildlistener.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

using portwatch::testing::WinChildListener;
using portwatch::testing::windowsPath;

namespace {

struct Run {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run runCli(const QStringList &arguments, const QString &configPath = {})
{
    QProcess process;
    QStringList args = arguments;
    if (!configPath.isEmpty())
        args << QStringLiteral("--config") << configPath;
    // stdin is a pipe that is closed at once: no console to ask on.
    process.start(windowsPath(PORTWATCH_CLI), args);
    process.closeWriteChannel();
    if (!process.waitForFinished(60000)) {
        process.kill();
        process.waitForFinished();
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1, process.readAllStandardOutput(),
            process.readAllStandardError()};
}

QJsonArray jsonArray(const QByteArray &text)
{
    return QJsonDocument::fromJson(text).array();
}

} // namespace

class TestWinCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void whoNamesTheListener()
    {
        WinChildListener child({QStringLiteral("tcp:127.0.0.1:0")});
        QVERIFY2(child.start(), qPrintable(child.error()));
        const quint16 port = child.ports().value(0);
        const Run run = runCli({QStringLiteral("who"), QString::number(port)});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QVERIFY2(run.out.contains("portwatch-test-listener.exe"), run.out.constData());
        QVERIFY2(run.out.contains(QByteArray::number(child.pid())), run.out.constData());
        QVERIFY2(run.out.contains("127.0.0.1:" + QByteArray::number(port)), run.out.constData());
    }

    void whoJson()
    {
        WinChildListener child({QStringLiteral("udp:0.0.0.0:0")});
        QVERIFY2(child.start(), qPrintable(child.error()));
        const quint16 port = child.ports().value(0);
        const Run run = runCli({QStringLiteral("who"), QStringLiteral("udp/%1").arg(port), QStringLiteral("--json")});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const QJsonArray array = jsonArray(run.out);
        QCOMPARE(array.size(), 1);
        const QJsonObject object = array.first().toObject();
        // The same schema as on Linux.
        const QSet<QString> expectedKeys{QStringLiteral("protocol"), QStringLiteral("family"), QStringLiteral("address"),
                                         QStringLiteral("port"), QStringLiteral("inode"), QStringLiteral("uid"),
                                         QStringLiteral("user"), QStringLiteral("pid"), QStringLiteral("process"),
                                         QStringLiteral("exe"), QStringLiteral("cmdline"), QStringLiteral("startTime")};
        const QStringList keys = object.keys();
        QCOMPARE(QSet<QString>(keys.begin(), keys.end()), expectedKeys);
        QCOMPARE(object.value(QStringLiteral("protocol")).toString(), QStringLiteral("udp"));
        QCOMPARE(object.value(QStringLiteral("family")).toString(), QStringLiteral("ipv4"));
        QCOMPARE(object.value(QStringLiteral("address")).toString(), QStringLiteral("0.0.0.0"));
        QCOMPARE(object.value(QStringLiteral("port")).toInt(), int(port));
        QCOMPARE(object.value(QStringLiteral("pid")).toInt(), int(child.pid()));
        QCOMPARE(object.value(QStringLiteral("process")).toString(), QStringLiteral("portwatch-test-listener.exe"));
        QVERIFY(object.value(QStringLiteral("exe")).toString().endsWith(QStringLiteral("\\portwatch-test-listener.exe"), Qt::CaseInsensitive));
        QVERIFY(!object.value(QStringLiteral("user")).toString().isEmpty());
        QVERIFY(object.value(QStringLiteral("cmdline")).toArray().contains(QStringLiteral("udp:0.0.0.0:0")));
        const QDateTime started = QDateTime::fromString(object.value(QStringLiteral("startTime")).toString(), Qt::ISODateWithMs);
        QVERIFY(started.isValid());
        QVERIFY(qAbs(started.secsTo(QDateTime::currentDateTimeUtc())) < 120);
    }

    void whoOnAFreePortSaysSo()
    {
        WinChildListener child({QStringLiteral("tcp:127.0.0.1:0")});
        QVERIFY2(child.start(), qPrintable(child.error()));
        const quint16 port = child.ports().value(0);
        child.process().kill();
        QVERIFY(child.waitForExit(10000));
        const Run run = runCli({QStringLiteral("who"), QStringLiteral("tcp/%1").arg(port)});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains("nothing holds"), run.err.constData());
    }

    void badInput_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QByteArray>("mentions");
        QTest::newRow("port out of range") << QStringList{QStringLiteral("who"), QStringLiteral("99999")} << QByteArray("99999");
        QTest::newRow("garbage port") << QStringList{QStringLiteral("kill"), QStringLiteral("8o")} << QByteArray("8o");
        QTest::newRow("unknown command") << QStringList{QStringLiteral("frobnicate")} << QByteArray("frobnicate");
    }

    void badInput()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QByteArray, mentions);
        const Run run = runCli(arguments);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains(mentions), run.err.constData());
    }

    void killWithoutConsoleNeedsYes()
    {
        WinChildListener child({QStringLiteral("tcp:127.0.0.1:0")});
        QVERIFY2(child.start(), qPrintable(child.error()));
        const Run run = runCli({QStringLiteral("kill"), QString::number(child.ports().value(0))});
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains("--yes"), run.err.constData());
        QVERIFY(child.isRunning());
    }

    void killWithYesFreesThePort()
    {
        WinChildListener child({QStringLiteral("tcp:127.0.0.1:0")});
        QVERIFY2(child.start(), qPrintable(child.error()));
        const quint16 port = child.ports().value(0);
        const Run run = runCli({QStringLiteral("kill"), QString::number(port), QStringLiteral("--yes"), QStringLiteral("--grace"),
                                QStringLiteral("1")});
        QVERIFY2(run.exitCode == 0, run.out + run.err);
        QVERIFY2(run.out.contains("released"), run.out.constData());
        QVERIFY(child.waitForExit(10000));
        const Run after = runCli({QStringLiteral("who"), QStringLiteral("tcp/%1").arg(port)});
        QCOMPARE(after.exitCode, 1);
    }

    void checkAgainstTheWhitelist()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        WinChildListener child({QStringLiteral("tcp:127.0.0.1:0")});
        QVERIFY2(child.start(), qPrintable(child.error()));
        const QString spec = QStringLiteral("tcp/%1").arg(child.ports().value(0));
        const QString config = dir.filePath(QStringLiteral("config.json"));
        auto write = [&config](const QJsonObject &object) {
            QFile file(config);
            const QByteArray text = QJsonDocument(object).toJson();
            return file.open(QIODevice::WriteOnly) && file.write(text) == text.size();
        };
        QJsonObject object{{QStringLiteral("version"), 1}, {QStringLiteral("watched"), QJsonArray{spec}}};
        QVERIFY(write(object));
        const Run unexpected = runCli({QStringLiteral("check")}, config);
        QVERIFY2(unexpected.exitCode == 1, unexpected.out + unexpected.err);
        QVERIFY2(unexpected.out.contains(QByteArray::number(child.pid())), unexpected.out.constData());

        // Whitelisted by the executable path Windows reports for it.
        const QJsonArray who = jsonArray(runCli({QStringLiteral("who"), spec, QStringLiteral("--json")}).out);
        QCOMPARE(who.size(), 1);
        const QString exe = who.first().toObject().value(QStringLiteral("exe")).toString();
        object.insert(QStringLiteral("whitelist"), QJsonArray{QJsonObject{{QStringLiteral("exe"), exe}, {QStringLiteral("ports"), spec}}});
        QVERIFY(write(object));
        const Run ok = runCli({QStringLiteral("check")}, config);
        QVERIFY2(ok.exitCode == 0, ok.out + ok.err);
    }

    void brokenConfigIsAnErrorAndLeftAlone()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("config.json"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("{\n  \"watched\": [\"80\",\n}\n");
        file.close();
        // A read-only command never moves or writes a configuration: it is an error, with the reason.
        const Run run = runCli({QStringLiteral("check")}, path);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains("config.json") && run.err.contains("line 3"), run.err.constData());
        QVERIFY(QDir(dir.path()).entryList({QStringLiteral("config.json.broken-*")}).isEmpty());
        QFile kept(path);
        QVERIFY(kept.open(QIODevice::ReadOnly));
        QCOMPARE(kept.readAll(), QByteArray("{\n  \"watched\": [\"80\",\n}\n"));
    }
};

QTEST_GUILESS_MAIN(TestWinCli)
#include "tst_wincli.moc"
