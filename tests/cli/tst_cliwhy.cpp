// portwatch-cli why as a whole program: a port a child listener of this test holds, a UDP port, a
// free port, a port with only a TIME_WAIT connection this test made, a privileged port as root and
// as nobody, bad arguments, and the stable --json schema. Nothing here kills anything.
#include "childlistener.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QStandardPaths>
#include <QTest>

#include <cerrno>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using portwatch::testing::ChildListener;

namespace {

struct Run {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run runProgram(const QString &program, const QStringList &arguments)
{
    QProcess process;
    process.setProgram(program);
    process.setArguments(arguments);
    process.start();
    process.closeWriteChannel();
    if (!process.waitForFinished(20000)) {
        process.kill();
        process.waitForFinished();
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1, process.readAllStandardOutput(),
            process.readAllStandardError()};
}

Run runCli(const QStringList &arguments)
{
    return runProgram(QStringLiteral(PORTWATCH_CLI), arguments);
}

QJsonObject jsonObject(const QByteArray &text)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(text, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        qWarning("not a JSON object (%s): %s", qPrintable(error.errorString()), text.constData());
    return document.object();
}

QJsonArray reasonsOfKind(const QJsonObject &answer, const QString &kind)
{
    QJsonArray found;
    for (const QJsonValue &reason : answer.value(QStringLiteral("reasons")).toArray())
        if (reason.toObject().value(QStringLiteral("kind")).toString() == kind)
            found.append(reason);
    return found;
}

// A TCP socket bound to loopback, or to every address when `any`; -1 (errno set) when bind fails.
int tcpSocket(quint16 port, bool reuse, bool any = false)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int on = 1;
    if (reuse)
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(any ? INADDR_ANY : INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
        const int error = errno;
        ::close(fd);
        errno = error;
        return -1;
    }
    return fd;
}

quint16 localPort(int fd)
{
    sockaddr_in addr{};
    socklen_t length = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &length);
    return ntohs(addr.sin_port);
}

} // namespace

class TestCliWhy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void badArguments_data();
    void badArguments();
    void help();
    void heldPortJsonSchema();
    void heldPortText();
    void udpPortIsNotTcp();
    void freePort();
    void timeWaitOnly();
    void privilegedPort();
};

void TestCliWhy::badArguments_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    QTest::newRow("no port") << QStringList{QStringLiteral("why")} << QStringLiteral("exactly one port");
    QTest::newRow("two ports") << QStringList{QStringLiteral("why"), QStringLiteral("80"), QStringLiteral("81")} << QStringLiteral("exactly one port");
    QTest::newRow("range") << QStringList{QStringLiteral("why"), QStringLiteral("8000-8100")} << QStringLiteral("one port, not '8000-8100'");
    QTest::newRow("list") << QStringList{QStringLiteral("why"), QStringLiteral("80,443")} << QStringLiteral("one port, not '80,443'");
    QTest::newRow("out of range") << QStringList{QStringLiteral("why"), QStringLiteral("99999")} << QStringLiteral("out of range");
    QTest::newRow("not a port") << QStringList{QStringLiteral("why"), QStringLiteral("http")} << QStringLiteral("bad port spec");
    QTest::newRow("unknown command names why") << QStringList{QStringLiteral("whence"), QStringLiteral("80")} << QStringLiteral("watch or why)");
}

void TestCliWhy::badArguments()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    const Run run = runCli(arguments);
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(QString::fromUtf8(run.err).contains(message), run.err.constData());
    QVERIFY(run.out.isEmpty());
}

void TestCliWhy::help()
{
    const Run help = runCli({QStringLiteral("--help")});
    QCOMPARE(help.exitCode, 0);
    QVERIFY2(help.out.contains("  why PORT "), help.out.constData());
    const Run whyHelp = runCli({QStringLiteral("why"), QStringLiteral("--help")});
    QCOMPARE(whyHelp.exitCode, 0);
    QVERIFY2(whyHelp.out.contains("--json") && whyHelp.out.contains("udp/53 (UDP)"), whyHelp.out.constData());
}

void TestCliWhy::heldPortJsonSchema()
{
    ChildListener child({QStringLiteral("tcp:127.0.0.1:0")});
    QVERIFY2(child.start(), qPrintable(child.error()));
    const quint16 port = child.ports().value(0);
    const Run run = runCli({QStringLiteral("why"), QString::number(port), QStringLiteral("--json")});
    QCOMPARE(run.exitCode, 1);
    const QJsonObject answer = jsonObject(run.out);
    const QStringList answerKeys = answer.keys();
    QCOMPARE(QSet<QString>(answerKeys.begin(), answerKeys.end()),
             QSet<QString>({QStringLiteral("protocol"), QStringLiteral("port"), QStringLiteral("bindWouldFail"), QStringLiteral("listeners"),
                            QStringLiteral("reasons"), QStringLiteral("unchecked")}));
    QCOMPARE(answer.value(QStringLiteral("protocol")).toString(), QStringLiteral("tcp"));
    QCOMPARE(answer.value(QStringLiteral("port")).toInt(), int(port));
    QCOMPARE(answer.value(QStringLiteral("bindWouldFail")).toBool(), true);
    QCOMPARE(answer.value(QStringLiteral("unchecked")).toArray().size(), 0);
    const QJsonArray listeners = answer.value(QStringLiteral("listeners")).toArray();
    QCOMPARE(listeners.size(), 1);
    QCOMPARE(listeners.first().toObject().value(QStringLiteral("pid")).toInteger(), child.pid()); // who's schema
    const QJsonArray held = reasonsOfKind(answer, QStringLiteral("listener"));
    QCOMPARE(held.size(), 1);
    const QJsonObject reason = held.first().toObject();
    const QStringList reasonKeys = reason.keys();
    QCOMPARE(QSet<QString>(reasonKeys.begin(), reasonKeys.end()),
             QSet<QString>({QStringLiteral("kind"), QStringLiteral("blocksBind"), QStringLiteral("text"), QStringLiteral("fixes"),
                            QStringLiteral("details")}));
    QCOMPARE(reason.value(QStringLiteral("blocksBind")).toBool(), true);
    QCOMPARE(reason.value(QStringLiteral("details")).toObject().value(QStringLiteral("pid")).toInteger(), child.pid());
    QCOMPARE(reason.value(QStringLiteral("fixes")).toArray(), QJsonArray({QStringLiteral("portwatch-cli kill tcp/%1").arg(port)}));
}

void TestCliWhy::heldPortText()
{
    ChildListener child({QStringLiteral("tcp:[::1]:0")});
    QVERIFY2(child.start(), qPrintable(child.error()));
    const quint16 port = child.ports().value(0);
    const Run run = runCli({QStringLiteral("why"), QStringLiteral("tcp/%1").arg(port)});
    QCOMPARE(run.exitCode, 1);
    const QString text = QString::fromUtf8(run.out);
    QVERIFY2(text.startsWith(QStringLiteral("tcp/%1: a bind would fail now").arg(port)), qPrintable(text));
    // The kernel keeps 15 bytes of a process name (comm).
    QVERIFY2(text.contains(QStringLiteral("* [::1]:%1 is held by portwatch-test- (pid %2").arg(port).arg(child.pid())), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("fix: portwatch-cli kill tcp/%1").arg(port)), qPrintable(text));
}

void TestCliWhy::udpPortIsNotTcp()
{
    ChildListener child({QStringLiteral("udp:127.0.0.1:0")});
    QVERIFY2(child.start(), qPrintable(child.error()));
    const quint16 port = child.ports().value(0);
    const Run udp = runCli({QStringLiteral("why"), QStringLiteral("udp/%1").arg(port), QStringLiteral("--json")});
    QCOMPARE(udp.exitCode, 1);
    QCOMPARE(jsonObject(udp.out).value(QStringLiteral("protocol")).toString(), QStringLiteral("udp"));
    QCOMPARE(reasonsOfKind(jsonObject(udp.out), QStringLiteral("listener")).size(), 1);
    // A bare port is TCP, and a UDP socket does not stand in a TCP bind's way.
    const Run tcp = runCli({QStringLiteral("why"), QString::number(port), QStringLiteral("--json")});
    QCOMPARE(reasonsOfKind(jsonObject(tcp.out), QStringLiteral("listener")).size(), 0);
    QCOMPARE(jsonObject(tcp.out).value(QStringLiteral("protocol")).toString(), QStringLiteral("tcp"));
}

void TestCliWhy::freePort()
{
    // A port the kernel just handed out and that its socket gave back without a connection.
    const int fd = tcpSocket(0, false, true);
    QVERIFY(fd >= 0);
    const quint16 port = localPort(fd);
    ::close(fd);
    const Run run = runCli({QStringLiteral("why"), QString::number(port)});
    QCOMPARE(run.exitCode, 0);
    QVERIFY2(run.out.startsWith(QStringLiteral("tcp/%1 is free: a bind would succeed now.\n").arg(port).toUtf8()), run.out.constData());
    QVERIFY2(!run.out.contains("  * "), run.out.constData());
    const Run json = runCli({QStringLiteral("why"), QString::number(port), QStringLiteral("--json")});
    QCOMPARE(json.exitCode, 0);
    QCOMPARE(jsonObject(json.out).value(QStringLiteral("bindWouldFail")).toBool(), false);
    QCOMPARE(jsonObject(json.out).value(QStringLiteral("listeners")).toArray().size(), 0);
}

void TestCliWhy::timeWaitOnly()
{
    // The server side of a loopback connection closes first, so its socket (on the listener's
    // port) waits in TIME_WAIT after the listener is gone. No SO_REUSEADDR anywhere.
    const int listener = tcpSocket(0, false);
    QVERIFY(listener >= 0);
    QCOMPARE(::listen(listener, 1), 0);
    const quint16 port = localPort(listener);
    const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    QCOMPARE(::connect(client, reinterpret_cast<sockaddr *>(&addr), sizeof addr), 0);
    const int accepted = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    QVERIFY(accepted >= 0);
    ::close(accepted);
    char byte = 0;
    QCOMPARE(::read(client, &byte, 1), ssize_t(0));
    ::close(client);
    ::close(listener);
    QTRY_VERIFY(tcpSocket(port, false) < 0 && errno == EADDRINUSE); // the plain bind the answer is about

    const Run run = runCli({QStringLiteral("why"), QString::number(port), QStringLiteral("--json")});
    QCOMPARE(run.exitCode, 1);
    const QJsonArray connections = reasonsOfKind(jsonObject(run.out), QStringLiteral("connections"));
    QCOMPARE(connections.size(), 1);
    const QJsonObject reason = connections.first().toObject();
    QCOMPARE(reason.value(QStringLiteral("blocksBind")).toBool(), true);
    QVERIFY(reason.value(QStringLiteral("details")).toObject().value(QStringLiteral("timeWait")).toInt() >= 1);
    QVERIFY(reason.value(QStringLiteral("text")).toString().contains(QLatin1String("SO_REUSEADDR")));
    QCOMPARE(jsonObject(run.out).value(QStringLiteral("listeners")).toArray().size(), 0);
}

void TestCliWhy::privilegedPort()
{
    QFile startFile(QStringLiteral("/proc/sys/net/ipv4/ip_unprivileged_port_start"));
    QVERIFY(startFile.open(QIODevice::ReadOnly));
    const int start = startFile.readAll().trimmed().toInt();
    if (start <= 1 || ::geteuid() != 0)
        QSKIP("needs root and privileged ports (net.ipv4.ip_unprivileged_port_start > 1)");
    // A privileged port nobody holds now: one this test can bind on every address.
    quint16 port = 0;
    for (int candidate = std::min(start - 1, 1000); candidate > 0 && port == 0; --candidate) {
        const int fd = tcpSocket(static_cast<quint16>(candidate), false, true);
        if (fd >= 0) {
            port = static_cast<quint16>(candidate);
            ::close(fd);
        }
    }
    QVERIFY(port != 0);

    const Run asRoot = runCli({QStringLiteral("why"), QString::number(port), QStringLiteral("--json")});
    QCOMPARE(asRoot.exitCode, 0);
    QCOMPARE(reasonsOfKind(jsonObject(asRoot.out), QStringLiteral("privileged")).first().toObject().value(QStringLiteral("blocksBind")).toBool(), false);

    const QString setpriv = QStandardPaths::findExecutable(QStringLiteral("setpriv"));
    if (setpriv.isEmpty())
        QSKIP("setpriv (util-linux) is not installed");
    const Run asNobody = runProgram(setpriv, {QStringLiteral("--reuid=65534"), QStringLiteral("--regid=65534"), QStringLiteral("--clear-groups"),
                                              QStringLiteral(PORTWATCH_CLI), QStringLiteral("why"), QString::number(port), QStringLiteral("--json")});
    QCOMPARE(asNobody.exitCode, 1);
    const QJsonArray privileged = reasonsOfKind(jsonObject(asNobody.out), QStringLiteral("privileged"));
    QCOMPARE(privileged.size(), 1);
    const QJsonObject reason = privileged.first().toObject();
    QCOMPARE(reason.value(QStringLiteral("blocksBind")).toBool(), true);
    QCOMPARE(reason.value(QStringLiteral("details")).toObject().value(QStringLiteral("unprivilegedPortStart")).toInt(), start);
    QVERIFY(reason.value(QStringLiteral("fixes")).toArray().first().toString().contains(QLatin1String("cap_net_bind_service")));
}

QTEST_GUILESS_MAIN(TestCliWhy)
#include "tst_cliwhy.moc"
