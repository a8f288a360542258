// Unit tests for whitelist rules and verdicts: exe/user/ports matching, several owners, owners we
// cannot see, and the rules' JSON form with its error messages.
#include "core/whitelist.h"

#include <QJsonDocument>
#include <QTest>

using portwatch::PortSpec;
using portwatch::Verdict;
using portwatch::Whitelist;
using portwatch::WhitelistRule;
using portwatch::platform::Listener;
using portwatch::platform::ProcessInfo;
using portwatch::platform::Protocol;
using portwatch::platform::SocketEntry;

Q_DECLARE_METATYPE(portwatch::Verdict)

namespace {

SocketEntry socket(Protocol protocol, quint16 port)
{
    SocketEntry entry;
    entry.protocol = protocol;
    entry.address = "0.0.0.0";
    entry.port = port;
    entry.inode = 4242;
    return entry;
}

ProcessInfo process(int pid, const std::string &exe, const std::string &user, quint32 uid = 1000)
{
    ProcessInfo info;
    info.pid = pid;
    info.exe = exe;
    info.name = exe.substr(exe.rfind('/') + 1);
    info.user = user;
    info.uid = uid;
    return info;
}

WhitelistRule rule(const QString &exe, const QString &user = {}, const QString &ports = {})
{
    WhitelistRule r;
    r.exe = exe;
    r.user = user;
    if (!ports.isEmpty())
        r.ports = *PortSpec::parse(ports);
    return r;
}

QJsonObject object(const char *json)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError)
        qFatal("bad test JSON: %s", json);
    return document.object();
}

} // namespace

class TestWhitelist : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void exeIsExact();
    void userWhenGiven();
    void portsWhenGiven();
    void deletedBinaryStillMatches();
    void judge_data();
    void judge();
    void describe();
    void jsonRoundTrip();
    void jsonExample();
    void jsonErrors_data();
    void jsonErrors();
    void jsonErrorsCollectedWithPath();
};

void TestWhitelist::exeIsExact()
{
    const WhitelistRule nginx = rule(QStringLiteral("/usr/sbin/nginx"));
    const SocketEntry s = socket(Protocol::Tcp, 80);
    QVERIFY(nginx.matches(s, process(10, "/usr/sbin/nginx", "www-data")));
    QVERIFY(!nginx.matches(s, process(10, "/usr/local/sbin/nginx", "www-data")));
    QVERIFY(!nginx.matches(s, process(10, "/usr/sbin/nginx-debug", "www-data")));
    QVERIFY(!nginx.matches(s, process(10, "/usr/sbin/ngin", "www-data")));
    QVERIFY(!nginx.matches(s, process(10, "", "www-data")));
    // A rule with no exe never matches an owner whose exe is unreadable.
    QVERIFY(!rule(QString()).matches(s, process(10, "", "root")));
}

void TestWhitelist::userWhenGiven()
{
    const SocketEntry s = socket(Protocol::Tcp, 80);
    const WhitelistRule anyUser = rule(QStringLiteral("/usr/sbin/nginx"));
    const WhitelistRule wwwData = rule(QStringLiteral("/usr/sbin/nginx"), QStringLiteral("www-data"));
    const WhitelistRule byUid = rule(QStringLiteral("/usr/sbin/nginx"), QStringLiteral("33"));

    QVERIFY(anyUser.matches(s, process(10, "/usr/sbin/nginx", "mallory")));
    QVERIFY(wwwData.matches(s, process(10, "/usr/sbin/nginx", "www-data", 33)));
    QVERIFY(!wwwData.matches(s, process(10, "/usr/sbin/nginx", "mallory", 1001)));
    QVERIFY(byUid.matches(s, process(10, "/usr/sbin/nginx", "www-data", 33)));
    QVERIFY(!byUid.matches(s, process(10, "/usr/sbin/nginx", "mallory", 1001)));
}

void TestWhitelist::portsWhenGiven()
{
    const WhitelistRule web = rule(QStringLiteral("/usr/sbin/nginx"), {}, QStringLiteral("tcp/80,tcp/443"));
    const ProcessInfo nginx = process(10, "/usr/sbin/nginx", "www-data");
    QVERIFY(web.matches(socket(Protocol::Tcp, 80), nginx));
    QVERIFY(web.matches(socket(Protocol::Tcp, 443), nginx));
    QVERIFY(!web.matches(socket(Protocol::Tcp, 8080), nginx));
    QVERIFY(!web.matches(socket(Protocol::Udp, 443), nginx));
    QVERIFY(rule(QStringLiteral("/usr/sbin/nginx")).matches(socket(Protocol::Udp, 443), nginx));
}

void TestWhitelist::deletedBinaryStillMatches()
{
    const WhitelistRule nginx = rule(QStringLiteral("/usr/sbin/nginx"));
    QVERIFY(nginx.matches(socket(Protocol::Tcp, 80), process(10, "/usr/sbin/nginx (deleted)", "root")));
}

void TestWhitelist::judge_data()
{
    QTest::addColumn<QList<WhitelistRule>>("rules");
    QTest::addColumn<std::vector<ProcessInfo>>("owners");
    QTest::addColumn<bool>("ownersVisible");
    QTest::addColumn<Verdict>("verdict");

    const QList<WhitelistRule> rules{
        rule(QStringLiteral("/usr/sbin/nginx"), QStringLiteral("www-data"), QStringLiteral("tcp/80")),
        rule(QStringLiteral("/usr/sbin/nginx"), QStringLiteral("root"), QStringLiteral("tcp/80")),
        rule(QStringLiteral("/usr/bin/node")),
    };
    const ProcessInfo master = process(100, "/usr/sbin/nginx", "root", 0);
    const ProcessInfo worker = process(101, "/usr/sbin/nginx", "www-data", 33);
    const ProcessInfo node = process(200, "/usr/bin/node", "dev");
    const ProcessInfo stranger = process(300, "/tmp/x/nc", "dev");
    const ProcessInfo unreadable = process(400, "", "someone");

    QTest::newRow("one owner, allowed") << rules << std::vector{worker} << true << Verdict::Expected;
    QTest::newRow("one owner, unknown exe") << rules << std::vector{stranger} << true << Verdict::Unexpected;
    QTest::newRow("master and worker, both allowed") << rules << std::vector{master, worker} << true
                                                       << Verdict::Expected;
    QTest::newRow("shared with a stranger") << rules << std::vector{master, stranger} << true << Verdict::Unexpected;
    QTest::newRow("stranger first") << rules << std::vector{stranger, node} << true << Verdict::Unexpected;
    QTest::newRow("no owner visible") << rules << std::vector<ProcessInfo>{} << false << Verdict::Unknown;
    QTest::newRow("owner with unreadable exe") << rules << std::vector{unreadable} << true << Verdict::Unknown;
    QTest::newRow("visible part allowed") << rules << std::vector{node, unreadable} << false << Verdict::Expected;
    QTest::newRow("visible part not allowed") << rules << std::vector{stranger, unreadable} << false
                                                << Verdict::Unexpected;
    QTest::newRow("empty whitelist") << QList<WhitelistRule>{} << std::vector{node} << true << Verdict::Unexpected;
}

void TestWhitelist::judge()
{
    QFETCH(QList<WhitelistRule>, rules);
    QFETCH(std::vector<ProcessInfo>, owners);
    QFETCH(bool, ownersVisible);
    QFETCH(Verdict, verdict);

    Listener listener;
    listener.socket = socket(Protocol::Tcp, 80);
    listener.owners = owners;
    listener.ownersVisible = ownersVisible;
    QCOMPARE(Whitelist(rules).judge(listener), verdict);
}

void TestWhitelist::describe()
{
    QCOMPARE(rule(QStringLiteral("/usr/sbin/nginx"), QStringLiteral("www-data"), QStringLiteral("tcp/80")).describe(),
             QStringLiteral("/usr/sbin/nginx as www-data on tcp/80"));
    QCOMPARE(rule(QStringLiteral("/usr/bin/node")).describe(), QStringLiteral("/usr/bin/node on any port"));
}

void TestWhitelist::jsonRoundTrip()
{
    const QList<WhitelistRule> rules{
        rule(QStringLiteral("/usr/sbin/nginx"), QStringLiteral("www-data"), QStringLiteral("tcp/80, tcp/443")),
        rule(QStringLiteral("/usr/bin/node"), {}, QStringLiteral("3000-3010")),
        rule(QStringLiteral("/usr/bin/redis-server"), QStringLiteral("redis")),
        rule(QStringLiteral("/opt/app/bin/app")),
    };
    for (const WhitelistRule &original : rules) {
        QString error;
        const auto back = WhitelistRule::fromJson(original.toJson(), &error);
        QVERIFY2(back, qPrintable(error));
        QCOMPARE(*back, original);
    }
    // Optional keys are left out rather than written empty.
    QCOMPARE(rule(QStringLiteral("/opt/app/bin/app")).toJson().keys(), QStringList{QStringLiteral("exe")});
}

void TestWhitelist::jsonExample()
{
    QString error;
    const auto parsed = WhitelistRule::fromJson(
        object(R"({"exe": "/usr/sbin/nginx", "user": "www-data", "ports": "tcp/80,tcp/443"})"), &error);
    QVERIFY2(parsed, qPrintable(error));
    QCOMPARE(parsed->exe, QStringLiteral("/usr/sbin/nginx"));
    QCOMPARE(parsed->user, QStringLiteral("www-data"));
    QCOMPARE(parsed->ports.toString(), QStringLiteral("tcp/80, tcp/443"));

    const auto nulls = WhitelistRule::fromJson(object(R"({"exe": "/bin/x", "user": null, "ports": null})"), &error);
    QVERIFY2(nulls, qPrintable(error));
    QVERIFY(nulls->user.isEmpty());
    QVERIFY(nulls->ports.isEmpty());
}

void TestWhitelist::jsonErrors_data()
{
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("message");

    QTest::newRow("no exe") << R"({"user": "root"})" << "exe: missing (the absolute path of the executable)";
    QTest::newRow("exe number") << R"({"exe": 42})" << "exe: must be a string, got 42";
    QTest::newRow("relative exe") << R"({"exe": "nginx"})" << R"(exe: "nginx" is not an absolute path)";
    QTest::newRow("empty exe") << R"({"exe": ""})" << R"(exe: "" is not an absolute path)";
    QTest::newRow("user array") << R"({"exe": "/bin/x", "user": ["a"]})"
                                << "user: must be a string (a user name), got an array";
    QTest::newRow("ports number") << R"({"exe": "/bin/x", "ports": 80})"
                                  << R"(ports: must be a string (a port spec such as "tcp/80,tcp/443"), got 80)";
    QTest::newRow("ports bad") << R"({"exe": "/bin/x", "ports": "tcp/99999"})"
                               << R"(ports: "tcp/99999": port 99999 is out of range 1-65535)";
    QTest::newRow("ports empty") << R"({"exe": "/bin/x", "ports": ""})"
                                 << R"(ports: the port spec is empty (leave "ports" out to allow any port))";
    QTest::newRow("two problems") << R"({"exe": "x", "ports": "8o"})"
                                  << R"(exe: "x" is not an absolute path; ports: "8o": "8o" is not a port number)";
}

void TestWhitelist::jsonErrors()
{
    QFETCH(QString, json);
    QFETCH(QString, message);
    QString error;
    QVERIFY(!WhitelistRule::fromJson(object(json.toUtf8().constData()), &error));
    QCOMPARE(error, message);
}

void TestWhitelist::jsonErrorsCollectedWithPath()
{
    QStringList errors{QStringLiteral("earlier")};
    QVERIFY(!WhitelistRule::fromJson(object(R"({"exe": 1, "user": 2})"), QStringLiteral("whitelist[3]"), &errors));
    const QStringList expected{
        QStringLiteral("earlier"),
        QStringLiteral("whitelist[3].exe: must be a string, got 1"),
        QStringLiteral("whitelist[3].user: must be a string (a user name), got 2"),
    };
    QCOMPARE(errors, expected);

    QStringList none;
    QVERIFY(WhitelistRule::fromJson(object(R"({"exe": "/bin/x"})"), QStringLiteral("whitelist[0]"), &none));
    QVERIFY(none.isEmpty());
}

QTEST_GUILESS_MAIN(TestWhitelist)
#include "tst_whitelist.moc"
