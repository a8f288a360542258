// Unit tests for whitelist rules and verdicts: exe/user/ports matching, several owners, owners we
// cannot see, and the rules' JSON form with its error messages.
#include "core/whitelist.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QTemporaryDir>
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
Q_DECLARE_METATYPE(std::vector<std::string>)

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

WhitelistRule userRule(const QString &user, const QString &ports)
{
    WhitelistRule r;
    r.user = user;
    r.ports = *PortSpec::parse(ports);
    return r;
}

std::vector<std::string> argv(std::initializer_list<const char *> items)
{
    return std::vector<std::string>(items.begin(), items.end());
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
    void userRuleNeedsUserAndPorts();
    void userRuleJson();
    void argsGlob_data();
    void argsGlob();
    void argsRule();
    void argsJson();
    void symlinkedExeMatchesBoth();
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
    // A hidden owner alerts like any other unless a rule for its user and port allows it.
    QTest::newRow("no owner visible") << rules << std::vector<ProcessInfo>{} << false << Verdict::Unexpected;
    QTest::newRow("no owner visible, user rule") << (rules + QList{userRule(QStringLiteral("root"), QStringLiteral("tcp/80"))})
                                                 << std::vector<ProcessInfo>{} << false << Verdict::Expected;
    QTest::newRow("no owner visible, rule by uid") << QList{userRule(QStringLiteral("0"), QStringLiteral("tcp/80"))}
                                                   << std::vector<ProcessInfo>{} << false << Verdict::Expected;
    QTest::newRow("no owner visible, other user's rule") << QList{userRule(QStringLiteral("dev"), QStringLiteral("tcp/80"))}
                                                         << std::vector<ProcessInfo>{} << false << Verdict::Unexpected;
    QTest::newRow("no owner visible, other port's rule") << QList{userRule(QStringLiteral("root"), QStringLiteral("tcp/81"))}
                                                         << std::vector<ProcessInfo>{} << false << Verdict::Unexpected;
    QTest::newRow("no owner visible, exe rule for the user")
        << QList{rule(QStringLiteral("/usr/sbin/nginx"), QStringLiteral("root"), QStringLiteral("tcp/80"))}
        << std::vector<ProcessInfo>{} << false << Verdict::Unexpected;
    QTest::newRow("user rule allows a visible owner of that user")
        << QList{userRule(QStringLiteral("root"), QStringLiteral("tcp/80"))} << std::vector{master} << true
        << Verdict::Expected;
    QTest::newRow("user rule allows no other user") << QList{userRule(QStringLiteral("root"), QStringLiteral("tcp/80"))}
                                                    << std::vector{node} << true << Verdict::Unexpected;
    QTest::newRow("nobody holds it") << rules << std::vector<ProcessInfo>{} << true << Verdict::Unknown;
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
    listener.socket.uid = 0;
    listener.user = "root";
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

    QTest::newRow("no exe") << R"({"user": "root"})"
                            << R"(exe: missing (the absolute path of the executable; a rule without one needs "user" and "ports"))";
    QTest::newRow("no exe, no user") << R"({"ports": "tcp/80"})"
                                     << R"(exe: missing (the absolute path of the executable; a rule without one needs "user" and "ports"))";
    QTest::newRow("user rule with args") << R"({"user": "root", "ports": "tcp/80", "args": "x"})"
                                         << R"(args: needs "exe" (the arguments of which program?))";
    QTest::newRow("args number") << R"({"exe": "/bin/x", "args": 1})"
                                 << R"(args: must be a string (a glob such as "-m http.server *"), got 1)";
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

void TestWhitelist::userRuleNeedsUserAndPorts()
{
    const ProcessInfo root = process(1, "/usr/sbin/nginx", "root", 0);
    const SocketEntry s = socket(Protocol::Tcp, 80);
    QVERIFY(userRule(QStringLiteral("root"), QStringLiteral("tcp/80")).matches(s, root));
    // Without a user or without ports a rule with no exe would trust everything: it trusts nothing.
    WhitelistRule noPorts;
    noPorts.user = QStringLiteral("root");
    QVERIFY(!noPorts.matches(s, root));
    WhitelistRule noUser;
    noUser.ports = *PortSpec::parse(QStringLiteral("tcp/80"));
    QVERIFY(!noUser.matches(s, root));
    Listener hidden;
    hidden.socket = s;
    hidden.user = "root";
    hidden.ownersVisible = false;
    QVERIFY(!noPorts.matchesHidden(hidden));
    QVERIFY(!noUser.matchesHidden(hidden));
}

void TestWhitelist::userRuleJson()
{
    const WhitelistRule original = userRule(QStringLiteral("postgres"), QStringLiteral("tcp/5432"));
    QCOMPARE(original.toJson(), object(R"({"user": "postgres", "ports": "tcp/5432"})"));
    QString error;
    const auto back = WhitelistRule::fromJson(original.toJson(), &error);
    QVERIFY2(back, qPrintable(error));
    QCOMPARE(*back, original);
    QCOMPARE(original.describe(), QStringLiteral("any program as postgres on tcp/5432"));
    const auto withNull = WhitelistRule::fromJson(object(R"({"exe": null, "user": "postgres", "ports": "tcp/5432"})"),
                                                  &error);
    QVERIFY2(withNull, qPrintable(error));
    QCOMPARE(*withNull, original);
}

void TestWhitelist::argsGlob_data()
{
    QTest::addColumn<QString>("glob");
    QTest::addColumn<std::vector<std::string>>("cmdline");
    QTest::addColumn<bool>("matches");

    const auto server = argv({"python3", "-m", "http.server", "8000"});
    QTest::newRow("exact") << "-m http.server 8000" << server << true;
    QTest::newRow("whole line only") << "-m http.server" << server << false;
    QTest::newRow("star tail") << "-m http.server *" << server << true;
    QTest::newRow("star tail matches no arguments") << "-m http.server *" << argv({"python3", "-m", "http.server"})
                                                    << true;
    QTest::newRow("star tail is not a prefix") << "-m http.server *" << argv({"python3", "-m", "http.serverx"})
                                               << false;
    QTest::newRow("other module") << "-m http.server *" << argv({"python3", "-m", "evil"}) << false;
    QTest::newRow("star crosses slashes") << "/home/*/app.py" << argv({"python3", "/home/dev/src/app.py"}) << true;
    QTest::newRow("question mark") << "app?.py" << argv({"python3", "app2.py"}) << true;
    QTest::newRow("question mark needs one") << "app?.py" << argv({"python3", "app.py"}) << false;
    QTest::newRow("escaped star") << "a\\*" << argv({"x", "a*"}) << true;
    QTest::newRow("escaped star is literal") << "a\\*" << argv({"x", "ab"}) << false;
    QTest::newRow("arguments joined by one space") << "a b" << argv({"x", "a", "b"}) << true;
    QTest::newRow("case sensitive") << "App.py" << argv({"python3", "app.py"}) << false;
    QTest::newRow("star alone matches nothing too") << "*" << argv({"python3"}) << true;
    QTest::newRow("unreadable command line") << "*" << std::vector<std::string>{} << false;
    QTest::newRow("backtracking") << "*a*b" << argv({"x", "aaab"}) << true;
    QTest::newRow("backtracking fails") << "*a*b" << argv({"x", "aaac"}) << false;
}

void TestWhitelist::argsGlob()
{
    QFETCH(QString, glob);
    QFETCH(std::vector<std::string>, cmdline);
    QFETCH(bool, matches);
    QCOMPARE(WhitelistRule::argsMatch(glob, cmdline), matches);
}

void TestWhitelist::argsRule()
{
    WhitelistRule server = rule(QStringLiteral("/usr/bin/python3.11"), QStringLiteral("dev"), QStringLiteral("tcp/8000"));
    server.args = QStringLiteral("-m http.server *");
    ProcessInfo python = process(5, "/usr/bin/python3.11", "dev");
    python.cmdline = argv({"python3", "-m", "http.server"});
    const SocketEntry s = socket(Protocol::Tcp, 8000);
    QVERIFY(server.matches(s, python));
    python.cmdline = argv({"python3", "/tmp/other.py"});
    QVERIFY(!server.matches(s, python));
    QCOMPARE(server.describe(), QStringLiteral("/usr/bin/python3.11 -m http.server * as dev on tcp/8000"));
}

void TestWhitelist::argsJson()
{
    WhitelistRule original = rule(QStringLiteral("/usr/bin/node"), QStringLiteral("dev"), QStringLiteral("tcp/3000"));
    original.args = QStringLiteral("server.js *");
    QCOMPARE(original.toJson().value(QStringLiteral("args")).toString(), QStringLiteral("server.js *"));
    QString error;
    const auto back = WhitelistRule::fromJson(original.toJson(), &error);
    QVERIFY2(back, qPrintable(error));
    QCOMPARE(*back, original);
}

void TestWhitelist::symlinkedExeMatchesBoth()
{
#ifdef Q_OS_WIN
    QSKIP("Windows has no symlinked executables in this sense: QFile::link makes a .lnk shortcut, not a path alias");
#endif
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString real = dir.filePath(QStringLiteral("python3.11"));
    const QString link = dir.filePath(QStringLiteral("python3"));
    QFile file(real);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.close();
    QVERIFY(QFile::link(real, link));
    const QString canonicalReal = QFileInfo(real).canonicalFilePath();
    QCOMPARE(WhitelistRule::resolveExe(link), canonicalReal);
    QCOMPARE(WhitelistRule::resolveExe(QStringLiteral("/does/not/exist")), QStringLiteral("/does/not/exist"));

    // The rule keeps what the user typed; matching accepts the link and what it resolves to.
    const WhitelistRule typed = rule(link);
    const Whitelist whitelist({typed});
    QCOMPARE(whitelist.rules().front().exe, link);
    QVERIFY(whitelist.allows(socket(Protocol::Tcp, 80), process(1, canonicalReal.toStdString(), "dev")));
    QVERIFY(whitelist.allows(socket(Protocol::Tcp, 80), process(1, link.toStdString(), "dev")));
    QVERIFY(!whitelist.allows(socket(Protocol::Tcp, 80), process(1, "/usr/bin/perl", "dev")));
}

QTEST_GUILESS_MAIN(TestWhitelist)
#include "tst_whitelist.moc"
