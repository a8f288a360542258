// Unit tests for rule making from listeners: the scope of a rule (program, user, port), interpreters
// scoped to their script or module, hidden owners by user and port, rules already covered left out.
#include "core/rulemaker.h"

#include <QTest>

using namespace portwatch;
using portwatch::platform::Listener;
using portwatch::platform::ProcessInfo;
using portwatch::platform::Protocol;
using portwatch::platform::SocketEntry;

Q_DECLARE_METATYPE(std::vector<std::string>)

namespace {

SocketEntry socket(quint16 port, quint32 uid = 1000)
{
    SocketEntry entry;
    entry.protocol = Protocol::Tcp;
    entry.address = "0.0.0.0";
    entry.port = port;
    entry.inode = 77;
    entry.uid = uid;
    return entry;
}

ProcessInfo process(const std::string &exe, std::vector<std::string> cmdline, const std::string &user = "dev",
                    quint32 uid = 1000)
{
    ProcessInfo info;
    info.pid = 4242;
    info.exe = exe;
    info.name = exe.substr(exe.rfind('/') + 1);
    info.cmdline = std::move(cmdline);
    info.user = user;
    info.uid = uid;
    return info;
}

Listener listener(quint16 port, std::vector<ProcessInfo> owners)
{
    Listener l;
    l.socket = socket(port);
    l.user = "dev";
    l.owners = std::move(owners);
    return l;
}

} // namespace

class TestRuleMaker : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void programFamily_data();
    void programFamily();
    void interpreters();
    void scriptGlob_data();
    void scriptGlob();
    void plainProgramRule();
    void interpreterRuleNamesScriptAndUser();
    void madeRuleMatchesItsOwnerOnly();
    void hiddenOwnerRule();
    void unreadableExeGetsUserRule();
    void coveredOwnersAndDuplicatesLeftOut();
};

void TestRuleMaker::programFamily_data()
{
    QTest::addColumn<QString>("exe");
    QTest::addColumn<QString>("family");
    QTest::newRow("python3.11") << "/usr/bin/python3.11" << "python";
    QTest::newRow("python3") << "/usr/bin/python3" << "python";
    QTest::newRow("php8.2") << "/usr/bin/php8.2" << "php";
    QTest::newRow("perl5.36.0") << "/usr/bin/perl5.36.0" << "perl";
    QTest::newRow("java") << "/usr/lib/jvm/java-17-openjdk-amd64/bin/java" << "java";
    QTest::newRow("nginx") << "/usr/sbin/nginx" << "nginx";
    QTest::newRow("all digits") << "/opt/x/123" << "123";
}

void TestRuleMaker::programFamily()
{
    QFETCH(QString, exe);
    QFETCH(QString, family);
    QCOMPARE(rulemaker::programFamily(exe), family);
}

void TestRuleMaker::interpreters()
{
    QVERIFY(rulemaker::isInterpreter(QStringLiteral("/usr/bin/python3.11"), {}));
    QVERIFY(rulemaker::isInterpreter(QStringLiteral("/usr/bin/node"), {}));
    QVERIFY(rulemaker::isInterpreter(QStringLiteral("/usr/bin/bash"), {}));
    QVERIFY(!rulemaker::isInterpreter(QStringLiteral("/usr/sbin/nginx"), {}));
    QVERIFY(!rulemaker::isInterpreter(QStringLiteral("/usr/bin/deno"), {}));
    QVERIFY(rulemaker::isInterpreter(QStringLiteral("/usr/bin/deno"), {QStringLiteral("deno")}));
    QVERIFY(rulemaker::isInterpreter(QStringLiteral("/usr/bin/lua5.4"), {QStringLiteral("lua")}));
    QVERIFY(rulemaker::isInterpreter(QStringLiteral("/usr/bin/lua5.4"), {QStringLiteral("lua5.4")}));
}

void TestRuleMaker::scriptGlob_data()
{
    QTest::addColumn<QString>("exe");
    QTest::addColumn<std::vector<std::string>>("cmdline");
    QTest::addColumn<QString>("glob");

    QTest::newRow("python -m") << "/usr/bin/python3.11"
                               << std::vector<std::string>{"python3", "-m", "http.server", "8000"}
                               << "-m http.server *";
    QTest::newRow("python -m stuck") << "/usr/bin/python3.11"
                                     << std::vector<std::string>{"python3", "-mhttp.server"} << "-mhttp.server *";
    QTest::newRow("python script") << "/usr/bin/python3.11"
                                   << std::vector<std::string>{"python3", "-u", "/srv/app.py", "--port", "8000"}
                                   << "-u /srv/app.py *";
    QTest::newRow("python option with value") << "/usr/bin/python3.11"
                                              << std::vector<std::string>{"python3", "-X", "dev", "app.py"}
                                              << "-X dev app.py *";
    QTest::newRow("python -c") << "/usr/bin/python3.11"
                               << std::vector<std::string>{"python3", "-c", "import x; x.serve()"}
                               << "-c import x; x.serve() *";
    QTest::newRow("glob characters escaped") << "/usr/bin/python3.11"
                                             << std::vector<std::string>{"python3", "/srv/a*b?.py"}
                                             << "/srv/a\\*b\\?.py *";
    QTest::newRow("node require") << "/usr/bin/node"
                                  << std::vector<std::string>{"node", "-r", "dotenv/config", "server.js"}
                                  << "-r dotenv/config server.js *";
    QTest::newRow("java -jar") << "/usr/lib/jvm/java-17/bin/java"
                               << std::vector<std::string>{"java", "-Xmx1g", "-jar", "app.jar", "--debug"}
                               << "-Xmx1g -jar app.jar *";
    QTest::newRow("java class path") << "/usr/lib/jvm/java-17/bin/java"
                                     << std::vector<std::string>{"java", "-cp", "lib/*", "com.example.Main"}
                                     << "-cp lib/\\* com.example.Main *";
    QTest::newRow("bash -c") << "/usr/bin/bash" << std::vector<std::string>{"bash", "-c", "nc -l 8080"}
                             << "-c nc -l 8080 *";
    QTest::newRow("after --") << "/usr/bin/node" << std::vector<std::string>{"node", "--", "-weird.js"}
                              << "-- -weird.js *";
    QTest::newRow("bare interpreter") << "/usr/bin/python3.11" << std::vector<std::string>{"python3"} << "";
    QTest::newRow("options only") << "/usr/bin/python3.11" << std::vector<std::string>{"python3", "-u"} << "-u";
}

void TestRuleMaker::scriptGlob()
{
    QFETCH(QString, exe);
    QFETCH(std::vector<std::string>, cmdline);
    QFETCH(QString, glob);
    QCOMPARE(rulemaker::scriptGlob(exe, cmdline), glob);
    // The glob made from a command line matches that very command line.
    QVERIFY(WhitelistRule::argsMatch(glob, cmdline));
}

void TestRuleMaker::plainProgramRule()
{
    const WhitelistRule rule =
        rulemaker::forOwner(socket(8080), process("/usr/sbin/nginx", {"nginx", "-g", "daemon off;"}), {});
    QCOMPARE(rule.exe, QStringLiteral("/usr/sbin/nginx"));
    QCOMPARE(rule.user, QStringLiteral("dev"));
    QCOMPARE(rule.ports.toString(), QStringLiteral("tcp/8080"));
    QVERIFY(!rule.args.has_value());
}

void TestRuleMaker::interpreterRuleNamesScriptAndUser()
{
    const WhitelistRule rule = rulemaker::forOwner(
        socket(8000), process("/usr/bin/python3.11", {"python3", "-m", "http.server"}), {});
    QCOMPARE(rule.exe, QStringLiteral("/usr/bin/python3.11"));
    QCOMPARE(rule.user, QStringLiteral("dev"));
    QCOMPARE(rule.ports.toString(), QStringLiteral("tcp/8000"));
    QCOMPARE(rule.args, std::optional<QString>(QStringLiteral("-m http.server *")));

    // An interpreter from the config's list is scoped the same way.
    const WhitelistRule deno =
        rulemaker::forOwner(socket(8000), process("/usr/bin/deno", {"deno", "run", "main.ts"}), {QStringLiteral("deno")});
    QCOMPARE(deno.args, std::optional<QString>(QStringLiteral("run *")));
}

void TestRuleMaker::madeRuleMatchesItsOwnerOnly()
{
    const ProcessInfo server = process("/usr/bin/python3.11", {"python3", "-m", "http.server", "8000"});
    const Whitelist whitelist({rulemaker::forOwner(socket(8000), server, {})});
    QVERIFY(whitelist.allows(socket(8000), server));
    // Another Python program on that port, or the same one run by another user, is not trusted.
    QVERIFY(!whitelist.allows(socket(8000), process("/usr/bin/python3.11", {"python3", "/tmp/evil.py"})));
    QVERIFY(!whitelist.allows(socket(8000), process("/usr/bin/python3.11", {"python3", "-m", "http.server"}, "eve", 1001)));
    QVERIFY(!whitelist.allows(socket(8001), server));
}

void TestRuleMaker::hiddenOwnerRule()
{
    Listener hidden;
    hidden.socket = socket(5432, 105);
    hidden.user = "postgres";
    hidden.ownersVisible = false;
    const WhitelistRule rule = rulemaker::forHidden(hidden);
    QVERIFY(rule.exe.isEmpty());
    QCOMPARE(rule.user, QStringLiteral("postgres"));
    QCOMPARE(rule.ports.toString(), QStringLiteral("tcp/5432"));
    QVERIFY(rule.matchesHidden(hidden));

    const QList<WhitelistRule> rules = rulemaker::forListener(hidden, Whitelist{}, {});
    QCOMPARE(rules, QList<WhitelistRule>{rule});
    QCOMPARE(Whitelist(rules).judge(hidden), Verdict::Expected);
    // Already trusted: nothing to add.
    QVERIFY(rulemaker::forListener(hidden, Whitelist(rules), {}).isEmpty());

    // A uid without a name is named by its number.
    hidden.user.clear();
    QCOMPARE(rulemaker::forHidden(hidden).user, QStringLiteral("105"));
}

void TestRuleMaker::unreadableExeGetsUserRule()
{
    const WhitelistRule rule = rulemaker::forOwner(socket(8080), process("", {}), {});
    QVERIFY(rule.exe.isEmpty());
    QCOMPARE(rule.user, QStringLiteral("dev"));
    QCOMPARE(rule.ports.toString(), QStringLiteral("tcp/8080"));
}

void TestRuleMaker::coveredOwnersAndDuplicatesLeftOut()
{
    const ProcessInfo master = process("/usr/sbin/nginx", {"nginx"});
    ProcessInfo worker = master;
    worker.pid = 4243;
    const ProcessInfo stranger = process("/tmp/nc", {"nc", "-l", "8080"});
    const Listener shared = listener(8080, {master, worker, stranger});

    const QList<WhitelistRule> both = rulemaker::forListener(shared, Whitelist{}, {});
    QCOMPARE(both.size(), 2);
    QCOMPARE(both.at(0).exe, QStringLiteral("/usr/sbin/nginx"));
    QCOMPARE(both.at(1).exe, QStringLiteral("/tmp/nc"));

    const QList<WhitelistRule> rest = rulemaker::forListener(shared, Whitelist({both.at(0)}), {});
    QCOMPARE(rest, QList<WhitelistRule>{both.at(1)});
}

QTEST_GUILESS_MAIN(TestRuleMaker)
#include "tst_rulemaker.moc"
