// portwatch-cli as a whole program: arguments, exit statuses, the JSON schema of `who`, `kill` of
// real child processes, `check` against a config, and `watch` printing events until SIGTERM.
// Every process killed here is a portwatch-test-listener started by this test on its own port.
#include "asnobody.h"
#include "childlistener.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

#include <csignal>
#include <sys/stat.h>
#include <cstdlib>
#include <memory>

using portwatch::testing::ChildListener;

namespace {

struct Run {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

// Makes a QProcess drop to uid nobody (and gid nogroup, no supplementary groups) before exec, as a
// regular user who cannot see other users' processes.
void runAsNobody(QProcess &process)
{
    process.setChildProcessModifier([] {
        if (::setgroups(0, nullptr) != 0 || ::setresgid(portwatch::testing::kNogroupGid, portwatch::testing::kNogroupGid,
                                                        portwatch::testing::kNogroupGid) != 0
            || ::setresuid(portwatch::testing::kNobodyUid, portwatch::testing::kNobodyUid, portwatch::testing::kNobodyUid) != 0)
            ::_exit(126);
    });
}

Run runCli(const QStringList &arguments, int timeoutMs = 20000, bool asNobody = false,
           const QProcessEnvironment &environment = QProcessEnvironment::systemEnvironment())
{
    QProcess process;
    process.setProcessEnvironment(environment);
    if (asNobody)
        runAsNobody(process);
    process.setProgram(QStringLiteral(PORTWATCH_CLI));
    process.setArguments(arguments);
    process.start();
    process.closeWriteChannel(); // no terminal, no input: like a script or CI
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1, process.readAllStandardOutput(),
            process.readAllStandardError()};
}

QJsonArray jsonArray(const QByteArray &text)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(text, &error);
    if (error.error != QJsonParseError::NoError || !document.isArray())
        qWarning("not a JSON array (%s): %s", qPrintable(error.errorString()), text.constData());
    return document.array();
}

// A free TCP port, picked by binding port 0 and letting it go again.
quint16 freePort()
{
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost, 0))
        return 0;
    return server.serverPort();
}

QString writeConfig(const QTemporaryDir &dir, const QJsonObject &config)
{
    const QString path = dir.filePath(QStringLiteral("config.json"));
    QFile file(path);
    if (file.open(QIODevice::WriteOnly))
        file.write(QJsonDocument(config).toJson());
    return path;
}

} // namespace

class TestCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void helpAndVersion();
    void badArguments_data();
    void badArguments();
    void whoJsonSchema();
    void whoFindsEveryFamilyAndProtocol();
    void whoNothingListening();
    void whoSharedSocketShowsEveryHolder_data();
    void whoSharedSocketShowsEveryHolder();
    void backendsAgree();
    void killStubbornProcess();
    void killWaitsForAnOwnerThatIsExiting();
    void killRefusesWithoutTerminal();
    void killDryRun();
    void checkAgainstWhitelist();
    void checkBrokenConfigIsAnError();
    void checkNeverMovesAnyFile_data();
    void checkNeverMovesAnyFile();
    void processDataIsEscaped();
    void checkHonoursUserAndPortRules();
    void watchPrintsEventsAndStopsOnSigterm();
    void commandHelpIsAboutThatCommand_data();
    void commandHelpIsAboutThatCommand();
    void watchTimesAreInOneZone_data();
    void watchTimesAreInOneZone();
    void whoNotesOnlyRowsWithoutTheirOwner();
};

void TestCli::helpAndVersion()
{
    const Run help = runCli({QStringLiteral("--help")});
    QCOMPARE(help.exitCode, 0);
    QVERIFY(help.out.contains("who"));
    QVERIFY(help.out.contains("kill"));
    const Run whoHelp = runCli({QStringLiteral("who"), QStringLiteral("--help")});
    QCOMPARE(whoHelp.exitCode, 0);
    QVERIFY(whoHelp.out.contains("--json"));
    const Run version = runCli({QStringLiteral("--version")});
    QCOMPARE(version.exitCode, 0);
    QVERIFY(version.out.startsWith("portwatch-cli " PORTWATCH_VERSION));
}

void TestCli::badArguments_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QByteArray>("mentions");
    QTest::newRow("no command") << QStringList{} << QByteArray("no command");
    QTest::newRow("unknown command") << QStringList{QStringLiteral("frobnicate")} << QByteArray("frobnicate");
    QTest::newRow("port out of range") << QStringList{QStringLiteral("who"), QStringLiteral("99999")} << QByteArray("99999");
    QTest::newRow("garbage port") << QStringList{QStringLiteral("who"), QStringLiteral("8o")} << QByteArray("8o");
    QTest::newRow("kill without port") << QStringList{QStringLiteral("kill")} << QByteArray("port spec");
    QTest::newRow("bad grace") << QStringList{QStringLiteral("kill"), QStringLiteral("1"), QStringLiteral("--grace"), QStringLiteral("soon")}
                               << QByteArray("--grace");
    QTest::newRow("negative port") << QStringList{QStringLiteral("who"), QStringLiteral("-1")} << QByteArray("bad port spec: \"-1\"");
    QTest::newRow("negative port among options")
        << QStringList{QStringLiteral("kill"), QStringLiteral("80"), QStringLiteral("-8080"), QStringLiteral("--dry-run")}
        << QByteArray("bad port spec: \"-8080\"");
    QTest::newRow("negative grace") << QStringList{QStringLiteral("kill"), QStringLiteral("1"), QStringLiteral("--grace"), QStringLiteral("-1")}
                                    << QByteArray("--grace wants seconds");
    QTest::newRow("unknown option") << QStringList{QStringLiteral("who"), QStringLiteral("--frob")} << QByteArray("frob");
    QTest::newRow("bad backend") << QStringList{QStringLiteral("who"), QStringLiteral("--backend"), QStringLiteral("magic")}
                                 << QByteArray("magic");
}

void TestCli::badArguments()
{
    QFETCH(QStringList, arguments);
    QFETCH(QByteArray, mentions);
    const Run run = runCli(arguments);
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains(mentions), run.err.constData());
}

void TestCli::whoJsonSchema()
{
    ChildListener child({QStringLiteral("tcp:127.0.0.1:0")});
    QVERIFY2(child.start(), qPrintable(child.error()));
    const quint16 port = child.ports().value(0);

    const Run run = runCli({QStringLiteral("who"), QStringLiteral("tcp/%1").arg(port), QStringLiteral("--json")});
    QCOMPARE(run.exitCode, 0);
    const QJsonArray array = jsonArray(run.out);
    QCOMPARE(array.size(), 1);
    const QJsonObject object = array.first().toObject();
    const QSet<QString> expectedKeys{QStringLiteral("protocol"), QStringLiteral("family"), QStringLiteral("address"),
                                     QStringLiteral("port"), QStringLiteral("inode"), QStringLiteral("uid"),
                                     QStringLiteral("user"), QStringLiteral("pid"), QStringLiteral("process"),
                                     QStringLiteral("exe"), QStringLiteral("cmdline"), QStringLiteral("startTime")};
    const QStringList keys = object.keys();
    QCOMPARE(QSet<QString>(keys.begin(), keys.end()), expectedKeys);
    QCOMPARE(object.value(QStringLiteral("protocol")).toString(), QStringLiteral("tcp"));
    QCOMPARE(object.value(QStringLiteral("family")).toString(), QStringLiteral("ipv4"));
    QCOMPARE(object.value(QStringLiteral("address")).toString(), QStringLiteral("127.0.0.1"));
    QVERIFY(object.value(QStringLiteral("port")).isDouble());
    QCOMPARE(object.value(QStringLiteral("port")).toInt(), int(port));
    QVERIFY(object.value(QStringLiteral("inode")).toDouble() > 0);
    QCOMPARE(object.value(QStringLiteral("uid")).toInt(), int(getuid()));
    QVERIFY(!object.value(QStringLiteral("user")).toString().isEmpty());
    QCOMPARE(object.value(QStringLiteral("pid")).toInt(), int(child.pid()));
    // comm is the executable name cut to 15 characters by the kernel.
    QCOMPARE(object.value(QStringLiteral("process")).toString(), QStringLiteral("portwatch-test-listener").left(15));
    QCOMPARE(object.value(QStringLiteral("exe")).toString(), QFileInfo(QStringLiteral(PORTWATCH_TEST_LISTENER)).canonicalFilePath());
    const QJsonArray cmdline = object.value(QStringLiteral("cmdline")).toArray();
    QVERIFY(cmdline.size() >= 3);
    QVERIFY(cmdline.contains(QStringLiteral("tcp:127.0.0.1:0")));
    const QDateTime started = QDateTime::fromString(object.value(QStringLiteral("startTime")).toString(), Qt::ISODateWithMs);
    QVERIFY(started.isValid());
    QVERIFY(qAbs(started.secsTo(QDateTime::currentDateTimeUtc())) < 120);
}

void TestCli::whoFindsEveryFamilyAndProtocol()
{
    ChildListener child({QStringLiteral("tcp:0.0.0.0:0"), QStringLiteral("udp:127.0.0.1:0"), QStringLiteral("tcp:[::1]:0"),
                         QStringLiteral("udp:[::]:0")});
    QVERIFY2(child.start(), qPrintable(child.error()));
    const QList<quint16> ports = child.ports();
    QCOMPARE(ports.size(), 4);
    const QList<QPair<QString, QString>> expected{{QStringLiteral("tcp"), QStringLiteral("ipv4")},
                                                  {QStringLiteral("udp"), QStringLiteral("ipv4")},
                                                  {QStringLiteral("tcp"), QStringLiteral("ipv6")},
                                                  {QStringLiteral("udp"), QStringLiteral("ipv6")}};
    for (int i = 0; i < ports.size(); ++i) {
        const Run run = runCli({QStringLiteral("who"), QString::number(ports[i]), QStringLiteral("--json")});
        QCOMPARE(run.exitCode, 0);
        const QJsonArray array = jsonArray(run.out);
        bool found = false;
        for (const QJsonValue &value : array) {
            const QJsonObject object = value.toObject();
            QCOMPARE(object.value(QStringLiteral("port")).toInt(), int(ports[i]));
            if (object.value(QStringLiteral("protocol")).toString() == expected[i].first
                && object.value(QStringLiteral("family")).toString() == expected[i].second
                && object.value(QStringLiteral("pid")).toInt() == int(child.pid()))
                found = true;
        }
        QVERIFY2(found, run.out.constData());
    }
    // The human table names the process and the pid.
    const Run table = runCli({QStringLiteral("who"), QString::number(ports[0])});
    QCOMPARE(table.exitCode, 0);
    QVERIFY(table.out.contains("PID"));
    QVERIFY(table.out.contains(QByteArray::number(child.pid())));
}

void TestCli::whoNothingListening()
{
    const quint16 port = freePort();
    QVERIFY(port != 0);
    const Run json = runCli({QStringLiteral("who"), QStringLiteral("tcp/%1").arg(port), QStringLiteral("--json")});
    QCOMPARE(json.exitCode, 1);
    QCOMPARE(jsonArray(json.out).size(), 0);
    const Run text = runCli({QStringLiteral("who"), QStringLiteral("tcp/%1").arg(port)});
    QCOMPARE(text.exitCode, 1);
    QVERIFY(text.err.contains("nothing holds"));

    // A long list is not echoed back in full.
    QStringList many{QStringLiteral("who")};
    for (int i = 0; i < 10; ++i)
        many << QStringLiteral("tcp/%1").arg(port + i * 7919 % 1000);
    const Run list = runCli(many);
    if (list.exitCode == 1) { // one of them may be taken by another service of this machine
        QVERIFY2(list.err.contains("and 7 more") && !list.err.contains(many.last().toUtf8()), list.err.constData());
        QVERIFY(list.err.size() < 100);
    }
}

void TestCli::whoSharedSocketShowsEveryHolder_data()
{
    QTest::addColumn<QStringList>("options");
    QTest::newRow("fast") << QStringList{};
    QTest::newRow("thorough") << QStringList{QStringLiteral("--thorough")};
}

void TestCli::whoSharedSocketShowsEveryHolder()
{
    QFETCH(QStringList, options);
    ChildListener child({QStringLiteral("tcp:127.0.0.1:0")}, {QStringLiteral("--fork")});
    QVERIFY2(child.start(), qPrintable(child.error()));
    QVERIFY(child.childPid() > 0);
    const Run run = runCli(QStringList{QStringLiteral("who"), QString::number(child.ports().value(0)), QStringLiteral("--json")} + options);
    QCOMPARE(run.exitCode, 0);
    QSet<int> pids;
    QSet<double> inodes;
    for (const QJsonValue &value : jsonArray(run.out)) {
        pids.insert(value.toObject().value(QStringLiteral("pid")).toInt());
        inodes.insert(value.toObject().value(QStringLiteral("inode")).toDouble());
    }
    QCOMPARE(pids, (QSet<int>{int(child.pid()), int(child.childPid())}));
    QCOMPARE(inodes.size(), 1); // one socket, two holders
}

void TestCli::backendsAgree()
{
    ChildListener child({QStringLiteral("tcp:127.0.0.1:0"), QStringLiteral("udp:[::]:0"), QStringLiteral("tcp:[::]:0")});
    QVERIFY2(child.start(), qPrintable(child.error()));
    QStringList specs;
    for (quint16 port : child.ports())
        specs << QString::number(port);
    const QString spec = specs.join(QLatin1Char(','));
    const Run netlink = runCli({QStringLiteral("who"), spec, QStringLiteral("--json"), QStringLiteral("--backend"), QStringLiteral("netlink")});
    const Run procfs = runCli({QStringLiteral("who"), spec, QStringLiteral("--json"), QStringLiteral("--backend"), QStringLiteral("procfs")});
    QCOMPARE(netlink.exitCode, 0);
    QCOMPARE(procfs.exitCode, 0);
    // Other tests may hold the same port numbers on other protocols or families meanwhile: compare ours.
    const auto ours = [&child](const QJsonArray &array) {
        QJsonArray filtered;
        for (const QJsonValue &value : array) {
            if (value.toObject().value(QStringLiteral("pid")).toInt() == int(child.pid()))
                filtered.append(value);
        }
        return filtered;
    };
    QCOMPARE(ours(jsonArray(netlink.out)).size(), 3);
    QCOMPARE(ours(jsonArray(netlink.out)), ours(jsonArray(procfs.out)));
}

void TestCli::killStubbornProcess()
{
    ChildListener child({QStringLiteral("tcp:0.0.0.0:0")}, {QStringLiteral("--ignore-term")});
    QVERIFY2(child.start(), qPrintable(child.error()));
    const QString port = QString::number(child.ports().value(0));
    const Run run = runCli({QStringLiteral("kill"), port, QStringLiteral("--yes"), QStringLiteral("--grace"), QStringLiteral("0.3")});
    QVERIFY2(run.exitCode == 0, run.out + run.err);
    QVERIFY(run.out.contains("released"));
    QVERIFY(child.waitForExit(5000));
    QCOMPARE(runCli({QStringLiteral("who"), port}).exitCode, 1);
}

void TestCli::killWaitsForAnOwnerThatIsExiting()
{
    // For 3 s after READY the socket is held by no process (in flight between descriptors), as while
    // its owner exits; then it is closed. kill must wait for that, not call it ownerless and fail.
    ChildListener child({QStringLiteral("tcp:127.0.0.1:0")}, {QStringLiteral("--orphan-ms"), QStringLiteral("3000")});
    QVERIFY2(child.start(), qPrintable(child.error()));
    const QString port = QString::number(child.ports().value(0));
    const Run run = runCli({QStringLiteral("kill"), port, QStringLiteral("--yes"), QStringLiteral("--grace"), QStringLiteral("20")});
    QVERIFY2(run.exitCode == 0, run.out + run.err);
    QVERIFY2(run.err.contains("no process holds " + port.toUtf8() + " right now"), run.err.constData());
    QVERIFY2(run.out.contains(port.toUtf8() + " released"), run.out.constData());
    QVERIFY(child.isRunning()); // nothing was signalled: the port was let go by itself
}

void TestCli::killRefusesWithoutTerminal()
{
    ChildListener child({QStringLiteral("tcp:127.0.0.1:0")});
    QVERIFY2(child.start(), qPrintable(child.error()));
    const Run run = runCli({QStringLiteral("kill"), QString::number(child.ports().value(0))});
    QCOMPARE(run.exitCode, 2);
    QVERIFY(run.err.contains("--yes"));
    QVERIFY(child.isRunning());
}

void TestCli::killDryRun()
{
    ChildListener child({QStringLiteral("udp:127.0.0.1:0")});
    QVERIFY2(child.start(), qPrintable(child.error()));
    const Run run = runCli({QStringLiteral("kill"), QStringLiteral("udp/%1").arg(child.ports().value(0)), QStringLiteral("--dry-run")});
    QCOMPARE(run.exitCode, 0);
    QVERIFY(run.out.contains(QByteArray::number(child.pid())));
    QVERIFY(child.isRunning());
    // Enough to recognise it before saying yes: what it runs, what started it, and where.
    QVERIFY2(run.out.contains("portwatch-test-listener --listen udp:127.0.0.1:0"), run.out.constData());
    QVERIFY2(run.out.contains(QStringLiteral("started by %1 (pid %2) in %3")
                                  .arg(QCoreApplication::applicationName().left(15))
                                  .arg(QCoreApplication::applicationPid())
                                  .arg(QFileInfo(QDir::currentPath()).canonicalFilePath())
                                  .toUtf8()),
             run.out.constData());
}

void TestCli::checkAgainstWhitelist()
{
    ChildListener child({QStringLiteral("tcp:127.0.0.1:0")});
    QVERIFY2(child.start(), qPrintable(child.error()));
    const QString spec = QStringLiteral("tcp/%1").arg(child.ports().value(0));
    QTemporaryDir dir;
    QJsonObject config{{QStringLiteral("version"), 1}, {QStringLiteral("watched"), QJsonArray{spec}}};

    const Run unexpected = runCli({QStringLiteral("check"), QStringLiteral("--config"), writeConfig(dir, config)});
    QCOMPARE(unexpected.exitCode, 1);
    QVERIFY(unexpected.out.contains(QByteArray::number(child.pid())));

    const QString exe = QFileInfo(QStringLiteral(PORTWATCH_TEST_LISTENER)).canonicalFilePath();
    config.insert(QStringLiteral("whitelist"), QJsonArray{QJsonObject{{QStringLiteral("exe"), exe}, {QStringLiteral("ports"), spec}}});
    const Run ok = runCli({QStringLiteral("check"), QStringLiteral("--config"), writeConfig(dir, config)});
    QVERIFY2(ok.exitCode == 0, ok.out + ok.err);
}

void TestCli::checkHonoursUserAndPortRules()
{
    ChildListener child({QStringLiteral("tcp:127.0.0.1:0")});
    QVERIFY2(child.start(), qPrintable(child.error()));
    const QString spec = QStringLiteral("tcp/%1").arg(child.ports().value(0));
    QTemporaryDir dir;
    // The rule for a socket whose owner may be hidden: a user (here by uid) and ports, no executable.
    const auto configWith = [&](const QString &user, const QString &ports) {
        return QJsonObject{{QStringLiteral("version"), 2},
                           {QStringLiteral("watched"), QJsonArray{spec}},
                           {QStringLiteral("whitelist"),
                            QJsonArray{QJsonObject{{QStringLiteral("user"), user}, {QStringLiteral("ports"), ports}}}}};
    };
    const QString me = QString::number(::geteuid());
    const Run ok = runCli({QStringLiteral("check"), QStringLiteral("--config"), writeConfig(dir, configWith(me, spec))});
    QVERIFY2(ok.exitCode == 0, ok.out + ok.err);
    QVERIFY2(ok.err.isEmpty(), ok.err);

    const QString otherUser = QString::number(::geteuid() + 4242);
    const Run otherUsers = runCli({QStringLiteral("check"), QStringLiteral("--config"),
                                   writeConfig(dir, configWith(otherUser, spec))});
    QCOMPARE(otherUsers.exitCode, 1);
    const Run otherPort = runCli({QStringLiteral("check"), QStringLiteral("--config"),
                                  writeConfig(dir, configWith(me, QStringLiteral("tcp/1")))});
    QCOMPARE(otherPort.exitCode, 1);
}

void TestCli::checkBrokenConfigIsAnError()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("config.json"));
    const QByteArray broken = "{\n  \"watched\": [\"80\",\n}\n";
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(broken);
    file.close();
    for (const QString &command : {QStringLiteral("check"), QStringLiteral("watch")}) {
        const Run run = runCli({command, QStringLiteral("--config"), path});
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains("config.json") && run.err.contains("line 3"), run.err.constData());
        QVERIFY2(run.out.isEmpty(), run.out.constData()); // nothing judged against the defaults
        // The CLI never moves nor writes a configuration.
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), QStringList{QStringLiteral("config.json")});
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), broken);
        file.close();
    }
}

void TestCli::checkNeverMovesAnyFile_data()
{
    QTest::addColumn<QString>("kind");
    QTest::newRow("not JSON (a hosts file)") << QStringLiteral("hosts");
    QTest::newRow("fifo") << QStringLiteral("fifo");
    QTest::newRow("symlink to /dev/zero") << QStringLiteral("zero");
    QTest::newRow("invalid value") << QStringLiteral("value");
}

void TestCli::checkNeverMovesAnyFile()
{
    QFETCH(QString, kind);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("config"));
    if (kind == QLatin1String("fifo")) {
        QCOMPARE(::mkfifo(QFile::encodeName(path).constData(), 0600), 0);
    } else if (kind == QLatin1String("zero")) {
        QVERIFY(QFile::link(QStringLiteral("/dev/zero"), path));
    } else {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(kind == QLatin1String("hosts") ? "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n"
                                                  : R"({"watched": ["99999"]})");
    }
    for (const QString &command : {QStringLiteral("check"), QStringLiteral("watch")}) {
        // A FIFO would block a plain open for ever, /dev/zero never ends: a short timeout tells.
        const Run run = runCli({command, QStringLiteral("--config"), path}, 10000);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains(QFile::encodeName(path)), run.err.constData());
        QVERIFY2(!run.err.contains("default"), run.err.constData()); // nothing is judged against them
        QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System),
                 QStringList{QStringLiteral("config")});
    }
}

void TestCli::processDataIsEscaped()
{
    // What a hostile local user could do: a process whose name and arguments hold terminal controls
    // that would erase the line above and move the cursor, rewriting what `kill` asks about.
    const QString evil = QStringLiteral("\x1b[2K\r\x1b[1A\u202eevil\nforged line\x9b");
    ChildListener child({QStringLiteral("tcp:127.0.0.1:0")},
                        {QStringLiteral("--name"), QStringLiteral("n\x1b[2Kx"), QStringLiteral("--label"), evil});
    QVERIFY2(child.start(), qPrintable(child.error()));
    const QString port = QString::number(child.ports().value(0));

    const auto clean = [](const QByteArray &text) {
        for (const char c : text) {
            if ((uchar(c) < 0x20 && c != '\n') || uchar(c) == 0x7f)
                return false;
        }
        return !QString::fromUtf8(text).contains(QChar(0x9b)) && !QString::fromUtf8(text).contains(QChar(0x202e));
    };
    const Run who = runCli({QStringLiteral("who"), port});
    QCOMPARE(who.exitCode, 0);
    QVERIFY2(clean(who.out), who.out.toPercentEncoding(" /:()[],'").constData());
    QVERIFY2(who.out.contains("n\\e[2Kx") && who.out.contains("\\e[2K\\r\\e[1A\\u202eevil\\nforged line\\x9b"),
             who.out.constData());
    QCOMPARE(who.out.count('\n'), 2); // header and one row: the newline in the argument added none

    const Run dryRun = runCli({QStringLiteral("kill"), port, QStringLiteral("--dry-run")});
    QCOMPARE(dryRun.exitCode, 0);
    QVERIFY2(clean(dryRun.out) && dryRun.out.contains("n\\e[2Kx"), dryRun.out.constData());

    // JSON keeps the real text, correctly escaped, and stays valid JSON.
    const Run json = runCli({QStringLiteral("who"), port, QStringLiteral("--json")});
    QCOMPARE(json.exitCode, 0);
    QVERIFY2(clean(json.out), json.out.constData());
    const QJsonArray array = jsonArray(json.out);
    QCOMPARE(array.size(), 1);
    const QJsonObject object = array.at(0).toObject();
    QCOMPARE(object.value(QStringLiteral("process")).toString(), QStringLiteral("n\x1b[2Kx"));
    QVERIFY(object.value(QStringLiteral("cmdline")).toArray().contains(QJsonValue(evil)));
}

void TestCli::watchPrintsEventsAndStopsOnSigterm()
{
    const quint16 port = freePort();
    QVERIFY(port != 0);
    QTemporaryDir dir;
    const QString config = writeConfig(dir, {{QStringLiteral("version"), 1},
                                             {QStringLiteral("watched"), QJsonArray{QStringLiteral("tcp/%1").arg(port)}},
                                             {QStringLiteral("intervalMs"), 250}});
    QProcess watch;
    watch.start(QStringLiteral(PORTWATCH_CLI), {QStringLiteral("watch"), QStringLiteral("--json"), QStringLiteral("--config"), config});
    QVERIFY(watch.waitForStarted());
    QByteArray log;
    QTRY_VERIFY2_WITH_TIMEOUT((log += watch.readAllStandardError()).contains("watching"), log.constData(), 10000);

    auto child = std::make_unique<ChildListener>(QStringList{QStringLiteral("tcp:127.0.0.1:%1").arg(port)});
    QVERIFY2(child->start(), qPrintable(child->error()));
    const qint64 pid = child->pid();

    QByteArray output;
    QTRY_VERIFY_WITH_TIMEOUT((output += watch.readAllStandardOutput()).contains("\"gone\"") || output.contains("appeared"), 10000);
    child.reset(); // ends the listener
    QTRY_VERIFY_WITH_TIMEOUT((output += watch.readAllStandardOutput()).contains("\"gone\""), 10000);

    QList<QJsonObject> events;
    for (const QByteArray &line : output.split('\n')) {
        if (!line.trimmed().isEmpty())
            events.append(QJsonDocument::fromJson(line).object());
    }
    QCOMPARE(events.size(), 2);
    QCOMPARE(events[0].value(QStringLiteral("event")).toString(), QStringLiteral("appeared"));
    QCOMPARE(events[0].value(QStringLiteral("verdict")).toString(), QStringLiteral("unexpected"));
    QCOMPARE(events[0].value(QStringLiteral("pid")).toInt(), int(pid));
    QCOMPARE(events[0].value(QStringLiteral("port")).toInt(), int(port));
    QCOMPARE(events[1].value(QStringLiteral("event")).toString(), QStringLiteral("gone"));

    ::kill(static_cast<pid_t>(watch.processId()), SIGTERM);
    QVERIFY(watch.waitForFinished(10000));
    QCOMPARE(watch.exitStatus(), QProcess::NormalExit);
    QCOMPARE(watch.exitCode(), 0);
}

void TestCli::commandHelpIsAboutThatCommand_data()
{
    QTest::addColumn<QString>("command");
    QTest::addColumn<QByteArray>("own");     // an option or words only this command's help has
    QTest::addColumn<QByteArray>("foreign"); // an option of another command
    QTest::newRow("who") << QStringLiteral("who") << QByteArray("--thorough") << QByteArray("--grace");
    QTest::newRow("kill") << QStringLiteral("kill") << QByteArray("--grace") << QByteArray("--utc");
    QTest::newRow("check") << QStringLiteral("check") << QByteArray("whitelisted") << QByteArray("--grace");
    QTest::newRow("watch") << QStringLiteral("watch") << QByteArray("--utc") << QByteArray("--grace");
}

void TestCli::commandHelpIsAboutThatCommand()
{
    QFETCH(QString, command);
    QFETCH(QByteArray, own);
    QFETCH(QByteArray, foreign);
    const Run run = runCli({command, QStringLiteral("--help")});
    QCOMPARE(run.exitCode, 0);
    QVERIFY2(run.out.contains("portwatch-cli " + command.toLatin1()), run.out.constData());
    QVERIFY2(run.out.contains(own), run.out.constData());
    QVERIFY2(run.out.contains("Exit status"), run.out.constData());
    QVERIFY2(!run.out.contains(foreign), run.out.constData());
    // Not the tool's list of every command.
    QVERIFY2(!run.out.contains("Commands:"), run.out.constData());
}

void TestCli::watchTimesAreInOneZone_data()
{
    QTest::addColumn<bool>("utc");
    QTest::newRow("local") << false;
    QTest::newRow("--utc") << true;
}

// Event lines and log lines alike: local time with its offset, or UTC with --utc. A zone 5:30 east
// of UTC (POSIX TZ, no tz database needed) makes local and UTC times tell apart.
void TestCli::watchTimesAreInOneZone()
{
    QFETCH(bool, utc);
    const quint16 port = freePort();
    QVERIFY(port != 0);
    QTemporaryDir dir;
    const QString config = writeConfig(dir, {{QStringLiteral("version"), 1},
                                             {QStringLiteral("watched"), QJsonArray{QStringLiteral("tcp/%1").arg(port)}},
                                             {QStringLiteral("intervalMs"), 250}});
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("TZ"), QStringLiteral("PWT-5:30"));
    QProcess watch;
    watch.setProcessEnvironment(env);
    QStringList arguments{QStringLiteral("watch"), QStringLiteral("--config"), config};
    if (utc)
        arguments << QStringLiteral("--utc");
    watch.start(QStringLiteral(PORTWATCH_CLI), arguments);
    QVERIFY(watch.waitForStarted());
    QByteArray log;
    QTRY_VERIFY2_WITH_TIMEOUT((log += watch.readAllStandardError()).contains("watching"), log.constData(), 10000);

    ChildListener child({QStringLiteral("tcp:127.0.0.1:%1").arg(port)});
    QVERIFY2(child.start(), qPrintable(child.error()));
    QByteArray output;
    QTRY_VERIFY_WITH_TIMEOUT((output += watch.readAllStandardOutput()).contains("appeared"), 10000);
    ::kill(static_cast<pid_t>(watch.processId()), SIGTERM);
    QVERIFY(watch.waitForFinished(10000));
    log += watch.readAllStandardError();

    const QString offset = utc ? QStringLiteral("+00:00") : QStringLiteral("+05:30");
    const QDateTime now = utc ? QDateTime::currentDateTimeUtc() : QDateTime::currentDateTimeUtc().addSecs(5 * 3600 + 1800);
    const QString line = QString::fromUtf8(output).split(QLatin1Char('\n')).constFirst();
    const QRegularExpression eventTime(QStringLiteral("^(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d) ([+-]\\d\\d:\\d\\d)  appeared"));
    const QRegularExpressionMatch match = eventTime.match(line);
    QVERIFY2(match.hasMatch(), qPrintable(line));
    QCOMPARE(match.captured(2), offset);
    const QDateTime printed = QDateTime::fromString(match.captured(1), QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    QVERIFY2(std::abs(printed.secsTo(QDateTime(now.date(), now.time()))) < 120, qPrintable(line));
    // Every log line carries the same offset.
    for (const QByteArray &logLine : log.split('\n')) {
        if (!logLine.trimmed().isEmpty())
            QVERIFY2(logLine.mid(24, 6) == offset.toLatin1(), logLine.constData());
    }
}

// A row that names its process is complete, whatever could not be searched besides; only a row
// without its owner gets the note, and the note names that port.
void TestCli::whoNotesOnlyRowsWithoutTheirOwner()
{
    ChildListener mine({QStringLiteral("tcp:127.0.0.1:0")});
    runAsNobody(mine.process());
    QVERIFY2(mine.start(), qPrintable(mine.error()));
    ChildListener other({QStringLiteral("tcp:127.0.0.1:0")}); // root's: not visible to nobody
    QVERIFY2(other.start(), qPrintable(other.error()));
    const QString minePort = QString::number(mine.ports().value(0));
    const QString otherPort = QString::number(other.ports().value(0));

    const Run complete = runCli({QStringLiteral("who"), minePort}, 20000, true);
    QCOMPARE(complete.exitCode, 0);
    QVERIFY2(complete.out.contains(QByteArray::number(mine.pid())), complete.out.constData());
    QVERIFY2(!complete.err.contains("not visible"), complete.err.constData());

    const Run hidden = runCli({QStringLiteral("who"), QStringLiteral("%1,%2").arg(minePort, otherPort)}, 20000, true);
    QCOMPARE(hidden.exitCode, 0);
    QVERIFY2(hidden.err.contains(QStringLiteral("the owner of tcp/%1 is not visible").arg(otherPort).toLatin1()),
             hidden.err.constData());
    QVERIFY2(!hidden.err.contains(QStringLiteral("tcp/%1").arg(minePort).toLatin1()), hidden.err.constData());
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
