// The outputs of `portwatch-cli watch` for servers: journal entries in journald's native protocol
// (received here on a datagram socket of the test's own, standing in for the journal) and the
// Prometheus text file (checked with a parser of the exposition format). The last two tests run the
// real portwatch-cli against a listener this test starts on its own port.
#include "childlistener.h"

#include "cli/journalsink.h"
#include "cli/textfilesink.h"
#include "platform/journal.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QProcess>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace portwatch;
using portwatch::testing::ChildListener;

namespace {

// A datagram socket bound at a path: the journal as far as a writer can tell.
class FakeJournal
{
public:
    explicit FakeJournal(const QString &path) : m_path(path)
    {
        m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        const QByteArray bytes = QFile::encodeName(path);
        std::memcpy(address.sun_path, bytes.constData(), size_t(bytes.size()) + 1);
        m_bound = ::bind(m_fd, reinterpret_cast<const sockaddr *>(&address), sizeof(address)) == 0;
    }
    ~FakeJournal() { ::close(m_fd); }
    Q_DISABLE_COPY_MOVE(FakeJournal)

    bool bound() const { return m_bound; }
    // The next datagram, or an empty array after timeoutMs.
    QByteArray receive(int timeoutMs = 10000)
    {
        pollfd fd{m_fd, POLLIN, 0};
        if (::poll(&fd, 1, timeoutMs) != 1)
            return {};
        QByteArray buffer(256 * 1024, Qt::Uninitialized);
        const auto got = ::recv(m_fd, buffer.data(), size_t(buffer.size()), 0);
        return got > 0 ? buffer.left(got) : QByteArray();
    }

    // The next datagram's passed file descriptor's content (journald's large-entry form).
    QByteArray receivePassedFile(int timeoutMs = 10000)
    {
        pollfd fd{m_fd, POLLIN, 0};
        if (::poll(&fd, 1, timeoutMs) != 1)
            return {};
        char byte = 0;
        iovec vector{&byte, 1};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
        msghdr message{};
        message.msg_iov = &vector;
        message.msg_iovlen = 1;
        message.msg_control = control;
        message.msg_controllen = sizeof(control);
        if (::recvmsg(m_fd, &message, MSG_CMSG_CLOEXEC) < 0)
            return {};
        const cmsghdr *header = CMSG_FIRSTHDR(&message);
        if (!header || header->cmsg_type != SCM_RIGHTS)
            return {};
        int passed = -1;
        std::memcpy(&passed, CMSG_DATA(header), sizeof(int));
        QFile file;
        if (!file.open(passed, QIODevice::ReadOnly, QFileDevice::AutoCloseHandle))
            return {};
        file.seek(0);
        return file.readAll();
    }

private:
    QString m_path;
    int m_fd = -1;
    bool m_bound = false;
};

// Decodes one native-protocol entry (NAME=value lines, or NAME, a 64-bit length and the bytes).
QList<QPair<QByteArray, QByteArray>> decodeEntry(const QByteArray &entry)
{
    QList<QPair<QByteArray, QByteArray>> fields;
    qsizetype at = 0;
    while (at < entry.size()) {
        const qsizetype newline = entry.indexOf('\n', at);
        const qsizetype equals = entry.indexOf('=', at);
        if (newline < 0)
            return {};
        if (equals >= 0 && equals < newline) {
            fields.append({entry.mid(at, equals - at), entry.mid(equals + 1, newline - equals - 1)});
            at = newline + 1;
            continue;
        }
        const QByteArray name = entry.mid(at, newline - at);
        quint64 size = 0;
        for (int i = 7; i >= 0; --i)
            size = (size << 8) | quint8(entry.at(newline + 1 + i));
        fields.append({name, entry.mid(newline + 9, qsizetype(size))});
        at = newline + 9 + qsizetype(size) + 1;
    }
    return fields;
}

WatchedListener makeListener(quint16 port, Verdict verdict, QList<QPair<int, std::string>> owners)
{
    WatchedListener watched;
    watched.listener.socket.protocol = platform::Protocol::Tcp;
    watched.listener.socket.family = platform::Family::IPv4;
    watched.listener.socket.address = "0.0.0.0";
    watched.listener.socket.port = port;
    watched.listener.socket.inode = 1000u + port;
    watched.listener.socket.uid = 1000;
    watched.listener.user = "alice";
    for (const auto &[pid, exe] : owners) {
        platform::ProcessInfo owner;
        owner.pid = pid;
        owner.exe = exe;
        owner.name = "srv";
        owner.uid = 1000;
        owner.user = "alice";
        watched.listener.owners.push_back(owner);
    }
    watched.listener.ownersVisible = !owners.isEmpty();
    watched.verdict = verdict;
    return watched;
}

// The text exposition format, strictly: HELP and TYPE comments, then samples
// name{label="value",...} number, label values with \\, \" and \n escapes. Returns the samples
// (series text with unescaped label values -> value), or an error.
struct Exposition {
    QMap<QString, double> samples;
    QString error;
};

Exposition parseExposition(const QByteArray &text)
{
    Exposition result;
    static const QRegularExpression comment(QStringLiteral("^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$"));
    static const QRegularExpression name(QStringLiteral("^[a-zA-Z_:][a-zA-Z0-9_:]*"));
    static const QRegularExpression labelName(QStringLiteral("^[a-zA-Z_][a-zA-Z0-9_]*"));
    if (!text.endsWith('\n'))
        result.error = QStringLiteral("no final newline");
    QSet<QString> typed;
    for (const QString &line : QString::fromUtf8(text).split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        if (line.startsWith(QLatin1Char('#'))) {
            const auto match = comment.match(line);
            if (!match.hasMatch())
                return {{}, QStringLiteral("bad comment: ") + line};
            if (match.captured(1) == QLatin1String("TYPE")) {
                if (match.captured(3) != QLatin1String("gauge") || typed.contains(match.captured(2)))
                    return {{}, QStringLiteral("bad or repeated TYPE: ") + line};
                typed.insert(match.captured(2));
            }
            continue;
        }
        const auto nameMatch = name.match(line);
        if (!nameMatch.hasMatch())
            return {{}, QStringLiteral("bad metric name: ") + line};
        QString series = nameMatch.captured();
        if (!typed.contains(series))
            return {{}, QStringLiteral("sample before its TYPE: ") + line};
        qsizetype at = series.size();
        if (at < line.size() && line.at(at) == QLatin1Char('{')) {
            ++at;
            series += QLatin1Char('{');
            while (line.at(at) != QLatin1Char('}')) {
                const auto labelMatch = labelName.match(line.mid(at));
                if (!labelMatch.hasMatch() || line.mid(at + labelMatch.capturedLength(), 2) != QLatin1String("=\""))
                    return {{}, QStringLiteral("bad label: ") + line};
                series += labelMatch.captured() + QLatin1Char('=');
                at += labelMatch.capturedLength() + 2;
                QString value;
                while (true) {
                    if (at >= line.size())
                        return {{}, QStringLiteral("unterminated label value: ") + line};
                    const QChar c = line.at(at++);
                    if (c == QLatin1Char('"'))
                        break;
                    if (c == QLatin1Char('\\')) {
                        const QChar next = at < line.size() ? line.at(at++) : QChar();
                        if (next == QLatin1Char('n'))
                            value += QLatin1Char('\n');
                        else if (next == QLatin1Char('\\') || next == QLatin1Char('"'))
                            value += next;
                        else
                            return {{}, QStringLiteral("bad escape: ") + line};
                    } else {
                        value += c;
                    }
                }
                series += value + QLatin1Char(';');
                if (line.at(at) == QLatin1Char(','))
                    ++at;
                else if (line.at(at) != QLatin1Char('}'))
                    return {{}, QStringLiteral("bad label separator: ") + line};
            }
            series += QLatin1Char('}');
            ++at;
        }
        if (line.mid(at, 1) != QLatin1String(" "))
            return {{}, QStringLiteral("no space before the value: ") + line};
        bool ok = false;
        const double value = line.mid(at + 1).toDouble(&ok);
        if (!ok)
            return {{}, QStringLiteral("bad value: ") + line};
        if (result.samples.contains(series))
            return {{}, QStringLiteral("repeated series: ") + line};
        result.samples.insert(series, value);
    }
    return result;
}

quint16 freePort()
{
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost, 0))
        return 0;
    return server.serverPort();
}

QString writeWatchConfig(const QTemporaryDir &dir, quint16 port)
{
    const QString path = dir.filePath(QStringLiteral("config.json"));
    QFile file(path);
    if (file.open(QIODevice::WriteOnly))
        file.write(QJsonDocument(QJsonObject{{QStringLiteral("version"), 1},
                                             {QStringLiteral("watched"), QJsonArray{QStringLiteral("tcp/%1").arg(port)}},
                                             {QStringLiteral("intervalMs"), 250}})
                       .toJson());
    return path;
}

} // namespace

class TestWatchSinks : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void encodeEntry();
    void fieldNames();
    void writerSendsOneDatagram();
    void writerSaysWhenNoJournalListens();
    void writerSendsLargeEntryAsMemfd();
    void journalSinkFields();
    void journalSinkOneEntryPerOwner();
    void textfileRender();
    void textfileEscapesLabels();
    void textfileWritesOnChangeAndHeartbeat();
    void textfileWriteFailureKeepsOldFile();
    void cliWatchToJournal();
    void cliWatchTextfile();
};

void TestWatchSinks::encodeEntry()
{
    const std::string entry = platform::encodeJournalEntry({{"MESSAGE", "hello"}, {"PORTWATCH_EXE", "a\nb"}});
    const std::string expected = std::string("MESSAGE=hello\nPORTWATCH_EXE\n") + std::string("\x03\0\0\0\0\0\0\0", 8) + "a\nb\n";
    QCOMPARE(QByteArray::fromStdString(entry), QByteArray::fromStdString(expected));
    const auto decoded = decodeEntry(QByteArray::fromStdString(entry));
    QCOMPARE(decoded.size(), 2);
    QCOMPARE(decoded.at(1).second, QByteArray("a\nb"));
}

void TestWatchSinks::fieldNames()
{
    QVERIFY(platform::isValidJournalFieldName("PORTWATCH_PORT"));
    QVERIFY(platform::isValidJournalFieldName("MESSAGE"));
    QVERIFY(!platform::isValidJournalFieldName(""));
    QVERIFY(!platform::isValidJournalFieldName("_PID"));    // trusted fields are journald's own
    QVERIFY(!platform::isValidJournalFieldName("1PORT"));
    QVERIFY(!platform::isValidJournalFieldName("port"));
    QVERIFY(!platform::isValidJournalFieldName("PORT=80"));
    QVERIFY(!platform::isValidJournalFieldName(std::string(65, 'A')));
}

void TestWatchSinks::writerSendsOneDatagram()
{
    QTemporaryDir dir;
    FakeJournal journal(dir.filePath(QStringLiteral("socket")));
    QVERIFY(journal.bound());
    auto writer = platform::makeJournalWriter(dir.filePath(QStringLiteral("socket")).toStdString());
    std::string error;
    QVERIFY2(writer->send({{"MESSAGE", "one"}, {"PRIORITY", "5"}}, &error), error.c_str());
    QCOMPARE(journal.receive(), QByteArray("MESSAGE=one\nPRIORITY=5\n"));

    QVERIFY(!writer->send({{"bad name", "x"}}, &error));
    QVERIFY2(QString::fromStdString(error).contains(QLatin1String("bad name")), error.c_str());
    QCOMPARE(journal.receive(200), QByteArray()); // nothing half-sent
}

void TestWatchSinks::writerSaysWhenNoJournalListens()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("absent")).toStdString();
    std::string error;
    QVERIFY(!platform::makeJournalWriter(path)->send({{"MESSAGE", "x"}}, &error));
    QVERIFY2(QString::fromStdString(error).contains(QString::fromStdString(path)), error.c_str());
}

void TestWatchSinks::writerSendsLargeEntryAsMemfd()
{
    QTemporaryDir dir;
    FakeJournal journal(dir.filePath(QStringLiteral("socket")));
    QVERIFY(journal.bound());
    // Larger than a datagram may be (the socket's send buffer): goes as a sealed memfd.
    const std::string big(4 * 1024 * 1024, 'x');
    std::string error;
    QVERIFY2(platform::makeJournalWriter(dir.filePath(QStringLiteral("socket")).toStdString())->send({{"MESSAGE", big}}, &error),
             error.c_str());
    QCOMPARE(journal.receivePassedFile(), QByteArray::fromStdString("MESSAGE=" + big + "\n"));
}

void TestWatchSinks::journalSinkFields()
{
    const WatchedListener watched = makeListener(8080, Verdict::Unexpected, {{4242, "/usr/bin/python3"}});
    const auto fields = cli::JournalSink::fields("appeared", watched, &watched.listener.owners.front());
    const platform::JournalFields expected{
        {"MESSAGE", "unexpected listener appeared: tcp 0.0.0.0:8080, srv (pid 4242, alice) /usr/bin/python3"},
        {"PRIORITY", "4"},
        {"SYSLOG_IDENTIFIER", "portwatch-cli"},
        {"PORTWATCH_EVENT", "appeared"},
        {"PORTWATCH_PROTOCOL", "tcp"},
        {"PORTWATCH_PORT", "8080"},
        {"PORTWATCH_ADDRESS", "0.0.0.0"},
        {"PORTWATCH_EXPECTED", "no"},
        {"PORTWATCH_PID", "4242"},
        {"PORTWATCH_EXE", "/usr/bin/python3"},
        {"PORTWATCH_USER", "alice"},
    };
    QCOMPARE(fields, expected);

    const WatchedListener hidden = makeListener(80, Verdict::Unknown, {});
    const auto gone = cli::JournalSink::fields("gone", hidden, nullptr);
    QCOMPARE(gone.at(1), (std::pair<std::string, std::string>{"PRIORITY", "5"}));
    QCOMPARE(gone.at(7), (std::pair<std::string, std::string>{"PORTWATCH_EXPECTED", "unknown"}));
    for (const auto &[name, value] : gone)
        QVERIFY2(name != "PORTWATCH_PID" && name != "PORTWATCH_EXE", name.c_str());
}

void TestWatchSinks::journalSinkOneEntryPerOwner()
{
    QTemporaryDir dir;
    FakeJournal journal(dir.filePath(QStringLiteral("socket")));
    QVERIFY(journal.bound());
    cli::JournalSink sink(platform::makeJournalWriter(dir.filePath(QStringLiteral("socket")).toStdString()));
    const WatchedListener shared = makeListener(9000, Verdict::Unexpected, {{10, "/srv/a"}, {11, "/srv/a"}});
    QString error;
    QVERIFY2(sink.write("gone", shared, &error), qPrintable(error));
    for (const char *pid : {"10", "11"}) {
        const auto fields = decodeEntry(journal.receive());
        QVERIFY(fields.contains({"PORTWATCH_PID", QByteArray(pid)}));
        QVERIFY(fields.contains({"PORTWATCH_EVENT", "gone"}));
        QVERIFY(fields.contains({"PORTWATCH_PORT", "9000"}));
    }
}

void TestWatchSinks::textfileRender()
{
    const QDateTime when = QDateTime::fromMSecsSinceEpoch(1700000000250, Qt::UTC);
    QList<WatchedListener> listeners{makeListener(80, Verdict::Expected, {{1, "/usr/sbin/nginx"}, {2, "/usr/sbin/nginx"}}),
                                     makeListener(8080, Verdict::Unexpected, {{3, "/usr/bin/python3"}}),
                                     makeListener(443, Verdict::Unknown, {})};
    // The same server on IPv6 too: another series (by address), not a repeated one.
    WatchedListener v6 = makeListener(80, Verdict::Expected, {{1, "/usr/sbin/nginx"}});
    v6.listener.socket.family = platform::Family::IPv6;
    v6.listener.socket.address = "::";
    listeners.append(v6);

    const QByteArray text = cli::TextfileSink::render(listeners, when);
    const Exposition parsed = parseExposition(text);
    QVERIFY2(parsed.error.isEmpty(), qPrintable(parsed.error + QLatin1Char('\n') + QString::fromUtf8(text)));
    const QMap<QString, double> expected{
        {QStringLiteral("portwatch_listener{port=80;protocol=tcp;address=0.0.0.0;exe=/usr/sbin/nginx;expected=yes;}"), 1},
        {QStringLiteral("portwatch_listener{port=80;protocol=tcp;address=::;exe=/usr/sbin/nginx;expected=yes;}"), 1},
        {QStringLiteral("portwatch_listener{port=8080;protocol=tcp;address=0.0.0.0;exe=/usr/bin/python3;expected=no;}"), 1},
        {QStringLiteral("portwatch_listener{port=443;protocol=tcp;address=0.0.0.0;exe=;expected=unknown;}"), 1},
        {QStringLiteral("portwatch_unexpected_listeners"), 1},
        {QStringLiteral("portwatch_last_poll_timestamp_seconds"), 1700000000.25},
    };
    QCOMPARE(parsed.samples, expected);
}

void TestWatchSinks::textfileEscapesLabels()
{
    QCOMPARE(cli::TextfileSink::escapeLabelValue("a\\b\"c\nd"), QByteArray("a\\\\b\\\"c\\nd"));
    const QList<WatchedListener> listeners{makeListener(81, Verdict::Unexpected, {{5, "/opt/we\"ird\\dir\nname/srv"}})};
    const Exposition parsed = parseExposition(cli::TextfileSink::render(listeners, QDateTime::currentDateTimeUtc()));
    QVERIFY2(parsed.error.isEmpty(), qPrintable(parsed.error));
    QVERIFY(parsed.samples.contains(
        QStringLiteral("portwatch_listener{port=81;protocol=tcp;address=0.0.0.0;exe=/opt/we\"ird\\dir\nname/srv;expected=no;}")));
}

void TestWatchSinks::textfileWritesOnChangeAndHeartbeat()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("portwatch.prom"));
    cli::TextfileSink sink(path);
    const QDateTime start = QDateTime::fromMSecsSinceEpoch(1700000000000, Qt::UTC);
    const QList<WatchedListener> one{makeListener(80, Verdict::Unexpected, {{1, "/bin/a"}})};
    QVERIFY(sink.update(one, start));
    const auto contentOf = [&path] {
        QFile file(path);
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    };
    QCOMPARE(contentOf(), cli::TextfileSink::render(one, start));
    QCOMPARE(QFileInfo(path).permissions() & QFileDevice::ReadOther, QFileDevice::ReadOther);

    // A quiet poll soon after: no write.
    QVERIFY(sink.update(one, start.addSecs(1)));
    QCOMPARE(contentOf(), cli::TextfileSink::render(one, start));
    // A change: written at once.
    QVERIFY(sink.update({}, start.addSecs(2)));
    QCOMPARE(contentOf(), cli::TextfileSink::render({}, start.addSecs(2)));
    // Quiet for the heartbeat: written again with the new poll time.
    const QDateTime later = start.addSecs(2 + cli::TextfileSink::heartbeat.count());
    QVERIFY(sink.update({}, later));
    QCOMPARE(contentOf(), cli::TextfileSink::render({}, later));
}

void TestWatchSinks::textfileWriteFailureKeepsOldFile()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("missing-dir/portwatch.prom"));
    cli::TextfileSink sink(path);
    QString error;
    QVERIFY(!sink.update({}, QDateTime::currentDateTimeUtc(), &error));
    QVERIFY2(error.contains(path), qPrintable(error));
    QVERIFY(!QFileInfo::exists(path));
}

void TestWatchSinks::cliWatchToJournal()
{
    const quint16 port = freePort();
    QVERIFY(port != 0);
    QTemporaryDir dir;
    FakeJournal journal(dir.filePath(QStringLiteral("journal.socket")));
    QVERIFY(journal.bound());
    QProcess watch;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("PORTWATCH_JOURNAL_SOCKET"), dir.filePath(QStringLiteral("journal.socket")));
    watch.setProcessEnvironment(environment);
    watch.start(QStringLiteral(PORTWATCH_CLI),
                {QStringLiteral("watch"), QStringLiteral("--journal"), QStringLiteral("--config"), writeWatchConfig(dir, port)});
    QVERIFY(watch.waitForStarted());
    QByteArray log;
    QTRY_VERIFY2_WITH_TIMEOUT((log += watch.readAllStandardError()).contains("watching"), log.constData(), 10000);

    auto child = std::make_unique<ChildListener>(QStringList{QStringLiteral("tcp:127.0.0.1:%1").arg(port)});
    QVERIFY2(child->start(), qPrintable(child->error()));
    const QByteArray pid = QByteArray::number(child->pid());
    const auto appeared = decodeEntry(journal.receive());
    QVERIFY2(appeared.contains({"PORTWATCH_EVENT", "appeared"}), (log += watch.readAllStandardError()).constData());
    QVERIFY(appeared.contains({"PORTWATCH_PORT", QByteArray::number(port)}));
    QVERIFY(appeared.contains({"PORTWATCH_PROTOCOL", "tcp"}));
    QVERIFY(appeared.contains({"PORTWATCH_PID", pid}));
    QVERIFY(appeared.contains({"PORTWATCH_EXE", QFile::encodeName(QFileInfo(ChildListener::program()).canonicalFilePath())}));
    QVERIFY(appeared.contains({"PORTWATCH_EXPECTED", "no"}));
    QVERIFY(appeared.contains({"PRIORITY", "4"}));
    child.reset();
    const auto gone = decodeEntry(journal.receive());
    QVERIFY(gone.contains({"PORTWATCH_EVENT", "gone"}));
    QVERIFY(gone.contains({"PORTWATCH_PID", pid}));
    QCOMPARE(watch.readAllStandardOutput(), QByteArray()); // the journal took the events, stdout nothing

    ::kill(static_cast<pid_t>(watch.processId()), SIGTERM);
    QVERIFY(watch.waitForFinished(10000));
    QCOMPARE(watch.exitCode(), 0);
}

void TestWatchSinks::cliWatchTextfile()
{
    const quint16 port = freePort();
    QVERIFY(port != 0);
    QTemporaryDir dir;
    const QString metrics = dir.filePath(QStringLiteral("portwatch.prom"));
    QProcess watch;
    watch.start(QStringLiteral(PORTWATCH_CLI), {QStringLiteral("watch"), QStringLiteral("--textfile"), metrics,
                                                QStringLiteral("--config"), writeWatchConfig(dir, port)});
    QVERIFY(watch.waitForStarted());
    const auto parsed = [&metrics] {
        QFile file(metrics);
        return file.open(QIODevice::ReadOnly) ? parseExposition(file.readAll()) : Exposition{{}, QStringLiteral("no file")};
    };
    QTRY_VERIFY_WITH_TIMEOUT(parsed().samples.value(QStringLiteral("portwatch_unexpected_listeners"), -1) == 0, 10000);

    ChildListener child(QStringList{QStringLiteral("tcp:127.0.0.1:%1").arg(port)});
    QVERIFY2(child.start(), qPrintable(child.error()));
    QTRY_VERIFY_WITH_TIMEOUT(parsed().samples.value(QStringLiteral("portwatch_unexpected_listeners"), -1) == 1, 10000);
    const Exposition now = parsed();
    QVERIFY2(now.error.isEmpty(), qPrintable(now.error));
    const QString series = QStringLiteral("portwatch_listener{port=%1;protocol=tcp;address=127.0.0.1;exe=%2;expected=no;}")
                               .arg(port)
                               .arg(QFileInfo(ChildListener::program()).canonicalFilePath());
    QVERIFY2(now.samples.value(series) == 1, qPrintable(QStringList(now.samples.keys()).join(QLatin1Char('\n'))));
    const double age = QDateTime::currentMSecsSinceEpoch() / 1000.0
        - now.samples.value(QStringLiteral("portwatch_last_poll_timestamp_seconds"));
    QVERIFY2(age >= 0 && age < 60, qPrintable(QString::number(age)));

    ::kill(static_cast<pid_t>(watch.processId()), SIGTERM);
    QVERIFY(watch.waitForFinished(10000));
    QCOMPARE(watch.exitCode(), 0);
}

QTEST_GUILESS_MAIN(TestWatchSinks)
#include "tst_watchsinks.moc"
