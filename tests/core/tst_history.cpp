// Tests for the event history: JSON round trip, the bounded file, unreadable lines, CSV and JSON export.
#include "core/history.h"
#ifdef Q_OS_LINUX
#include "smalltmpfs.h"
#endif

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#ifdef Q_OS_LINUX
#include <sys/stat.h>
#endif

using portwatch::History;
using portwatch::HistoryEvent;
using portwatch::platform::Family;
using portwatch::platform::Protocol;

namespace {

HistoryEvent makeEvent(int n, HistoryEvent::Kind kind = HistoryEvent::Kind::Appeared)
{
    HistoryEvent e;
    e.time = QDateTime(QDate(2026, 11, 25), QTime(20, 0, 0, 123), Qt::UTC).addSecs(n);
    e.kind = kind;
    e.protocol = n % 2 ? Protocol::Udp : Protocol::Tcp;
    e.family = n % 3 ? Family::IPv4 : Family::IPv6;
    e.address = n % 3 ? QStringLiteral("127.0.0.1") : QStringLiteral("::");
    e.port = quint16(8000 + n);
    e.pid = 1000 + n;
    e.process = QStringLiteral("proc%1").arg(n);
    e.exe = QStringLiteral("/usr/bin/proc%1").arg(n);
    e.user = QStringLiteral("alice");
    e.expected = n % 2 == 0;
    e.detail = QStringLiteral("detail %1").arg(n);
    return e;
}

QList<QByteArray> fileLines(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QList<QByteArray> lines = file.readAll().split('\n');
    lines.removeAll(QByteArray());
    return lines;
}

QList<int> pids(const QList<HistoryEvent> &events)
{
    QList<int> result;
    for (const auto &e : events)
        result.append(e.pid);
    return result;
}

} // namespace

class TestHistory final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void kindNames()
    {
        QCOMPARE(toString(HistoryEvent::Kind::Appeared), QStringLiteral("appeared"));
        QCOMPARE(toString(HistoryEvent::Kind::Vanished), QStringLiteral("vanished"));
        QCOMPARE(toString(HistoryEvent::Kind::Killed), QStringLiteral("killed"));
        QCOMPARE(toString(HistoryEvent::Kind::Whitelisted), QStringLiteral("whitelisted"));
    }

    void jsonRoundTrip()
    {
        for (auto kind : {HistoryEvent::Kind::Appeared, HistoryEvent::Kind::Vanished, HistoryEvent::Kind::Killed,
                          HistoryEvent::Kind::Whitelisted}) {
            const HistoryEvent original = makeEvent(3, kind);
            const auto back = HistoryEvent::fromJson(original.toJson());
            QVERIFY(back);
            QCOMPARE(*back, original);
        }
        const QJsonObject json = makeEvent(1).toJson();
        QCOMPARE(json.value(QStringLiteral("time")).toString(), QStringLiteral("2026-11-25T20:00:01.123Z"));
        QCOMPARE(json.value(QStringLiteral("protocol")).toString(), QStringLiteral("udp"));
        QCOMPARE(json.value(QStringLiteral("port")).toInt(), 8001);
    }

    void fromJsonRejectsWhatIsNotAnEvent_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QJsonValue>("value");
        QTest::newRow("no time") << "time" << QJsonValue(QJsonValue::Undefined);
        QTest::newRow("bad time") << "time" << QJsonValue(QStringLiteral("yesterday"));
        QTest::newRow("bad kind") << "kind" << QJsonValue(QStringLiteral("exploded"));
        QTest::newRow("bad protocol") << "protocol" << QJsonValue(QStringLiteral("sctp"));
        QTest::newRow("bad family") << "family" << QJsonValue(QStringLiteral("ipx"));
        QTest::newRow("port too big") << "port" << QJsonValue(70000);
        QTest::newRow("port as text") << "port" << QJsonValue(QStringLiteral("80"));
        QTest::newRow("negative pid") << "pid" << QJsonValue(-5);
        QTest::newRow("exe not text") << "exe" << QJsonValue(12);
        QTest::newRow("expected not bool") << "expected" << QJsonValue(QStringLiteral("yes"));
    }

    void fromJsonRejectsWhatIsNotAnEvent()
    {
        QFETCH(QString, key);
        QFETCH(QJsonValue, value);
        QJsonObject json = makeEvent(1).toJson();
        if (value.isUndefined())
            json.remove(key);
        else
            json.insert(key, value);
        QVERIFY(!HistoryEvent::fromJson(json));
    }

    void fileRoundTrip()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("state/history.jsonl")); // directory created on demand
        QList<HistoryEvent> written;
        {
            History history(path);
            QVERIFY(history.events().isEmpty());
            for (int i = 0; i < 5; ++i) {
                written.append(makeEvent(i, HistoryEvent::Kind(i % 4)));
                history.append(written.constLast());
            }
            QCOMPARE(history.events(), written);
            QCOMPARE(history.path(), path);
        }
        QCOMPARE(fileLines(path).size(), 5);
#ifndef Q_OS_WIN
        // Owner-only file mode. Windows has no such bits (Qt reports group and other as readable
        // there); the file's protection is the ACL of the user's own %LOCALAPPDATA%.
        QCOMPARE(QFile::permissions(path) & (QFile::ReadGroup | QFile::ReadOther), QFile::Permissions());
#endif
        const History reloaded(path);
        QCOMPARE(reloaded.events(), written);
    }

    // The file may run a quarter over capacity, then it is rewritten with the newest events only.
    void capacityTrimsTheFile()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("history.jsonl"));
        History history(path, 4);
        QList<int> lineCounts;
        for (int i = 1; i <= 10; ++i) {
            history.append(makeEvent(i));
            lineCounts.append(int(fileLines(path).size()));
            QCOMPARE(history.events().size(), std::min(i, 4));
        }
        QCOMPARE(lineCounts, (QList<int>{1, 2, 3, 4, 5, 4, 5, 4, 5, 4}));
        QCOMPARE(pids(history.events()), (QList<int>{1007, 1008, 1009, 1010}));
        QCOMPARE(pids(History(path, 4).events()), (QList<int>{1007, 1008, 1009, 1010}));
        // A smaller capacity on reload keeps the newest.
        QCOMPARE(pids(History(path, 2).events()), (QList<int>{1009, 1010}));
    }

    void unreadableLinesAreSkipped()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("history.jsonl"));
        {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            QJsonObject badKind = makeEvent(2).toJson();
            badKind.insert(QStringLiteral("kind"), QStringLiteral("exploded"));
            file.write(QJsonDocument(makeEvent(1).toJson()).toJson(QJsonDocument::Compact) + "\n");
            file.write("{\"time\": \"2026-11-25T20:00:00Z\", truncated\n");
            file.write("\n");
            file.write(QJsonDocument(badKind).toJson(QJsonDocument::Compact) + "\n");
            file.write("[1, 2, 3]\n");
            file.write(QJsonDocument(makeEvent(3).toJson()).toJson(QJsonDocument::Compact) + "\n");
        }
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("history\\.jsonl:2: skipped an unreadable line")));
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("history\\.jsonl:4: skipped an unreadable line")));
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("history\\.jsonl:5: skipped an unreadable line")));
        History history(path);
        QCOMPARE(pids(history.events()), (QList<int>{1001, 1003}));

        // Appending goes on after the bad lines; they are dropped at the next rewrite.
        history.append(makeEvent(4));
        QCOMPARE(fileLines(path).size(), 6);
        for (int line : {2, 4, 5}) {
            QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("history\\.jsonl:%1: skipped").arg(line)));
        }
        History small(path, 2);
        QCOMPARE(pids(small.events()), (QList<int>{1003, 1004}));
        small.append(makeEvent(5));
        QCOMPARE(fileLines(path).size(), 2);
        QCOMPARE(pids(History(path).events()), (QList<int>{1004, 1005}));
    }

    void csvExportQuotes()
    {
        QTemporaryDir dir;
        HistoryEvent tricky = makeEvent(1, HistoryEvent::Kind::Killed);
        tricky.process = QStringLiteral("a,b");
        tricky.exe = QStringLiteral("/opt/my \"app\"/bin");
        tricky.detail = QStringLiteral("line one\nline two");
        tricky.user = QStringLiteral("zoë");
        const QList<HistoryEvent> events{makeEvent(0), tricky};
        const QString path = dir.filePath(QStringLiteral("out/history.csv"));
        QString error;
        QVERIFY2(History::exportCsv(events, path, &error), qPrintable(error));

        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QString expected = QStringLiteral(
            "time,kind,protocol,family,address,port,pid,process,exe,user,expected,detail\r\n"
            "2026-11-25T20:00:00.123Z,appeared,tcp,ipv6,::,8000,1000,proc0,/usr/bin/proc0,alice,true,detail 0\r\n"
            "2026-11-25T20:00:01.123Z,killed,udp,ipv4,127.0.0.1,8001,1001,\"a,b\",\"/opt/my \"\"app\"\"/bin\",zoë,false,"
            "\"line one\nline two\"\r\n");
        QCOMPARE(QString::fromUtf8(file.readAll()), expected);
    }

    void jsonExportHasTheSameKeys()
    {
        QTemporaryDir dir;
        const QList<HistoryEvent> events{makeEvent(0), makeEvent(1, HistoryEvent::Kind::Whitelisted)};
        const QString path = dir.filePath(QStringLiteral("history.json"));
        QString error;
        QVERIFY2(History::exportJson(events, path, &error), qPrintable(error));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonDocument document = QJsonDocument::fromJson(file.readAll());
        QVERIFY(document.isArray());
        const QJsonArray array = document.array();
        QCOMPARE(array.size(), 2);
        for (qsizetype i = 0; i < array.size(); ++i) {
            QCOMPARE(array.at(i).toObject(), events.at(i).toJson());
            QCOMPARE(HistoryEvent::fromJson(array.at(i).toObject()), std::optional(events.at(i)));
        }
        QStringList keys = array.at(0).toObject().keys();
        keys.sort();
        QCOMPARE(keys, (QStringList{"address", "detail", "exe", "expected", "family", "kind", "pid", "port", "process",
                                    "protocol", "time", "user"}));
    }

    void exportReportsFailure()
    {
        QTemporaryDir dir;
        const QString blocker = dir.filePath(QStringLiteral("file"));
        QFile file(blocker);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.close();
        QString error;
        QVERIFY(!History::exportCsv({makeEvent(0)}, blocker + QStringLiteral("/sub/out.csv"), &error));
        QVERIFY(!error.isEmpty());
        error.clear();
        QVERIFY(!History::exportJson({makeEvent(0)}, blocker + QStringLiteral("/sub/out.json"), &error));
        QVERIFY(!error.isEmpty());
    }

    void specialFilesAreNotRead_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::newRow("fifo") << QStringLiteral("fifo");
        QTest::newRow("symlink to /dev/zero") << QStringLiteral("zero");
    }

    void specialFilesAreNotRead()
    {
#ifndef Q_OS_LINUX
        QSKIP("FIFOs and devices as config files are POSIX files; Windows has none at these paths");
#else
        QFETCH(QString, kind);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("history.jsonl"));
        if (kind == QLatin1String("fifo"))
            QCOMPARE(::mkfifo(QFile::encodeName(path).constData(), 0600), 0);
        else
            QVERIFY(QFile::link(QStringLiteral("/dev/zero"), path));
        // Returning at all is the test: a FIFO blocks a plain open, /dev/zero never ends.
        History history(path);
        QVERIFY(history.events().isEmpty());
        history.append(makeEvent(1)); // kept in memory; opening a FIFO to append would block
        QCOMPARE(pids(history.events()), QList<int>{1001});
        QVERIFY(QFileInfo(path).isSymLink() || !QFileInfo(path).isFile());
#endif
    }

    void largeFileLoadsItsNewestPart()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("history.jsonl"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        // Old events padded to push the file past the limit, then the newest ones.
        HistoryEvent padded = makeEvent(0);
        padded.detail = QString(History::maxFieldLength, QLatin1Char('x'));
        const QByteArray paddedLine = QJsonDocument(padded.toJson()).toJson(QJsonDocument::Compact) + '\n';
        while (file.size() <= History::maxFileBytes)
            file.write(paddedLine);
        for (int n = 1; n <= 3; ++n)
            file.write(QJsonDocument(makeEvent(n).toJson()).toJson(QJsonDocument::Compact) + '\n');
        file.close();

        const History history(path, 100000);
        QVERIFY(history.events().size() < History::maxFileBytes / paddedLine.size() + 4);
        QCOMPARE(pids(history.events().mid(history.events().size() - 3)), (QList<int>{1001, 1002, 1003}));
        // Wherever the cut landed, no fragment of an old line is misread as an event.
        for (const HistoryEvent &event : history.events())
            QVERIFY(event.pid == 1000 || event.detail.startsWith(QStringLiteral("detail")));
    }

    void overlongFieldsMakeALineUnreadable()
    {
        HistoryEvent event = makeEvent(1);
        event.exe = QLatin1Char('/') + QString(History::maxFieldLength, QLatin1Char('a'));
        QVERIFY(!HistoryEvent::fromJson(event.toJson()));
        event.exe.chop(1);
        QVERIFY(HistoryEvent::fromJson(event.toJson()));

        const QByteArray data = QJsonDocument(makeEvent(1).toJson()).toJson(QJsonDocument::Compact) + "\nnot json\n\n"
                                + QJsonDocument(makeEvent(2).toJson()).toJson(QJsonDocument::Compact);
        int lines = 0;
        QList<int> skipped;
        const QList<HistoryEvent> events = History::parse(data, &lines, &skipped);
        QCOMPARE(pids(events), (QList<int>{1001, 1002}));
        QCOMPARE(lines, 3);
        QCOMPARE(skipped, QList<int>{2});
    }

    void rewriteOnFullDiskKeepsTheFile()
    {
#ifndef Q_OS_LINUX
        QSKIP("a full disk is made with a Linux tmpfs; the Windows build has no such mount");
#else
        portwatch::testing::SmallTmpfs disk;
        if (!disk.mounted())
            QSKIP(disk.reason().c_str());
        const QString path = QString::fromStdString(disk.path()) + QStringLiteral("/history.jsonl");
        {
            History history(path, 4);
            for (int n = 0; n < 6; ++n) // the sixth event rewrites the file down to capacity
                history.append(makeEvent(n));
        }
        const QList<QByteArray> before = fileLines(path);
        QCOMPARE(before.size(), 4);
        QVERIFY(disk.fill());
        History history(path, 4);
        QString error;
        QVERIFY(!History::exportJson(history.events(), path, &error));
        QVERIFY2(error.contains(QStringLiteral("No space left on device")), qPrintable(error));
        QCOMPARE(fileLines(path), before);
        QCOMPARE(QFileInfo(path).permissions() & (QFileDevice::ReadOther | QFileDevice::ReadGroup),
                 QFileDevice::Permissions());
#endif
    }

    void defaultPathIsInTheStateDirectory()
    {
#ifdef Q_OS_WIN
        // No XDG there: the history lives with the logs in the local (not roaming) profile.
        QCOMPARE(History::defaultPath(),
                 QDir::fromNativeSeparators(qEnvironmentVariable("LOCALAPPDATA")) + QStringLiteral("/portwatch/history.jsonl"));
        return;
#endif
        QTemporaryDir dir;
        const bool wasSet = qEnvironmentVariableIsSet("XDG_STATE_HOME");
        const QByteArray saved = qgetenv("XDG_STATE_HOME");
        qputenv("XDG_STATE_HOME", dir.path().toUtf8());
        const QString path = History::defaultPath();
        if (wasSet)
            qputenv("XDG_STATE_HOME", saved);
        else
            qunsetenv("XDG_STATE_HOME");
        QCOMPARE(path, dir.path() + QStringLiteral("/portwatch/history.jsonl"));
    }
};

QTEST_GUILESS_MAIN(TestHistory)
#include "tst_history.moc"
