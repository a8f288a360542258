// Unit tests for Config and ConfigStore: defaults, JSON round trip, every bad value rejected with its
// path, newer versions, broken files kept aside byte for byte and never overwritten, atomic save.
// Also the paths the config and state files live under.
#include "core/config.h"
#include "core/paths.h"
#ifdef Q_OS_LINUX
#include "smalltmpfs.h"
#endif

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#ifdef Q_OS_LINUX
#include <sys/stat.h>
#endif
#ifdef Q_OS_LINUX
#include <unistd.h>
#endif

using portwatch::Config;
using portwatch::ConfigLoad;
using portwatch::PortSpec;
using portwatch::WhitelistRule;
namespace ConfigStore = portwatch::ConfigStore;
using portwatch::platform::Protocol;

namespace {

QJsonObject object(const QByteArray &json)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError)
        qFatal("bad test JSON: %s", json.constData());
    return document.object();
}

bool writeFile(const QString &path, const QByteArray &data)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(data) == data.size();
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

Config sampleConfig()
{
    Config config = Config::defaults();
    config.watched = {*PortSpec::parse(u"tcp/8080"), *PortSpec::parse(u"udp/53"), *PortSpec::parse(u"8000-8100, 9000")};
    WhitelistRule nginx;
    nginx.exe = QStringLiteral("/usr/sbin/nginx");
    nginx.user = QStringLiteral("www-data");
    nginx.ports = *PortSpec::parse(u"tcp/80,tcp/443");
    WhitelistRule node;
    node.exe = QStringLiteral("/usr/bin/node");
    config.whitelist = {nginx, node};
    config.intervalMs = 2500;
    config.notificationsEnabled = false;
    config.notificationCooldownSec = 300;
    config.logLevel = QStringLiteral("debug");
    config.firstRunDone = true;
    return config;
}

} // namespace

class TestConfig : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void defaults();
    void defaultsAvoidDesktopServices();
    void jsonRoundTrip();
    void version2OnlyWhenNeeded();
    void version1FileLoadsUnchanged();
    void jsonFormat();
    void missingKeysTakeDefaults();
    void unknownKeysIgnored();
    void numbersAsWatchedPorts();
    void emptyWatchedListIsAllowed();
    void badValues_data();
    void badValues();
    void everyProblemReported();
    void newerVersion();

    void loadMissing();
    void loadValid();
    void loadSyntaxError();
    void syntaxErrorPositions_data();
    void syntaxErrorPositions();
    void loadEmptyFile();
    void loadInvalidValues();
    void loadNotAnObject();
    void brokenFilesGetUniqueNames();
    void brokenFileNeverOverwritten();
    void saveCreatesDirectoryAndIsIndented();
    void saveLeavesNoTemporaryFiles();
    void saveFailureHasText();
    void saveOnFullDiskKeepsTheOldFile();
    void unreadableFilesAreLeftAlone_data();
    void unreadableFilesAreLeftAlone();
    void tooLargeFileIsRefused();
    void leaveAloneNeverMovesABrokenFile();
    void overlongTextIsRefused_data();
    void overlongTextIsRefused();
    void manyWatchedSpecsAtTheSizeLimit();
    void manyProblemsAreSummarised();

    void defaultPathsFollowXdg();
};

void TestConfig::defaults()
{
    const Config config = Config::defaults();
    QStringList watched;
    for (const PortSpec &spec : config.watched)
        watched.append(spec.toString());
    const QStringList expected{
        QStringLiteral("tcp/80"),   QStringLiteral("tcp/443"),  QStringLiteral("tcp/3000"), QStringLiteral("tcp/3306"),
        QStringLiteral("tcp/4200"), QStringLiteral("tcp/5000"), QStringLiteral("tcp/5173"), QStringLiteral("tcp/5432"),
        QStringLiteral("tcp/6379"), QStringLiteral("tcp/8000"), QStringLiteral("tcp/8080"), QStringLiteral("tcp/8443"),
        QStringLiteral("tcp/8888"), QStringLiteral("tcp/9000"), QStringLiteral("tcp/9200"), QStringLiteral("tcp/27017"),
    };
    QCOMPARE(watched, expected);
    QVERIFY(config.whitelist.isEmpty());
    QCOMPARE(config.intervalMs, Config::defaultIntervalMs);
    QVERIFY(config.notificationsEnabled);
    QCOMPARE(config.notificationCooldownSec, 60);
    QCOMPARE(config.logLevel, QStringLiteral("info"));
    QVERIFY(!config.firstRunDone);
}

void TestConfig::defaultsAvoidDesktopServices()
{
    // sshd, DNS stubs, CUPS, Avahi and rpcbind hold these on ordinary desktops.
    const Config config = Config::defaults();
    for (const PortSpec &spec : config.watched) {
        for (const quint16 port : {22, 53, 111, 631, 5353}) {
            QVERIFY2(!spec.matches(Protocol::Tcp, port), qPrintable(spec.toString()));
            QVERIFY2(!spec.matches(Protocol::Udp, port), qPrintable(spec.toString()));
        }
    }
}

void TestConfig::jsonRoundTrip()
{
    for (const Config &original : {Config::defaults(), sampleConfig(), Config{}}) {
        QStringList errors;
        const auto back = Config::fromJson(original.toJson(), &errors);
        QVERIFY2(back, qPrintable(errors.join(u'\n')));
        QCOMPARE(*back, original);
        // Through the bytes the store writes as well.
        QString message;
        const auto parsed = ConfigStore::parse(ConfigStore::serialize(original), QStringLiteral("x.json"), &message);
        QVERIFY2(parsed, qPrintable(message));
        QCOMPARE(*parsed, original);
    }
}

void TestConfig::version2OnlyWhenNeeded()
{
    // A config without the version 2 features is still written as version 1, for an older Portwatch.
    Config config = sampleConfig();
    QCOMPARE(config.toJson().value(u"version").toInt(), 1);
    QVERIFY(!config.toJson().contains(u"interpreters"));

    Config withUserRule = config;
    WhitelistRule byUser;
    byUser.user = QStringLiteral("postgres");
    byUser.ports = *PortSpec::parse(u"tcp/5432");
    withUserRule.whitelist.append(byUser);
    QCOMPARE(withUserRule.toJson().value(u"version").toInt(), 2);

    Config withArgs = config;
    withArgs.whitelist[1].args = QStringLiteral("server.js *");
    QCOMPARE(withArgs.toJson().value(u"version").toInt(), 2);

    Config withInterpreters = config;
    withInterpreters.interpreters = {QStringLiteral("deno"), QStringLiteral("lua")};
    const QJsonObject json = withInterpreters.toJson();
    QCOMPARE(json.value(u"version").toInt(), 2);
    QCOMPARE(json.value(u"interpreters").toArray(), (QJsonArray{QStringLiteral("deno"), QStringLiteral("lua")}));

    for (const Config &original : {withUserRule, withArgs, withInterpreters}) {
        QString message;
        const auto parsed = ConfigStore::parse(ConfigStore::serialize(original), QStringLiteral("x.json"), &message);
        QVERIFY2(parsed, qPrintable(message));
        QCOMPARE(*parsed, original);
    }
}

void TestConfig::version1FileLoadsUnchanged()
{
    const QByteArray old = R"({"version": 1, "watched": ["tcp/8080"],
        "whitelist": [{"exe": "/usr/bin/python3", "user": "dev", "ports": "tcp/8080"}], "firstRunDone": true})";
    QString message;
    const auto parsed = ConfigStore::parse(old, QStringLiteral("old.json"), &message);
    QVERIFY2(parsed, qPrintable(message));
    QCOMPARE(parsed->whitelist.size(), 1);
    QVERIFY(!parsed->whitelist.front().args.has_value());
    QVERIFY(parsed->interpreters.isEmpty());
    QCOMPARE(parsed->toJson().value(u"version").toInt(), 1);
    QCOMPARE(parsed->toJson().value(u"whitelist").toArray().at(0).toObject(),
             object(R"({"exe": "/usr/bin/python3", "user": "dev", "ports": "tcp/8080"})"));
}

void TestConfig::jsonFormat()
{
    const QJsonObject json = sampleConfig().toJson();
    QCOMPARE(json.value(u"version").toInt(), 1);
    QCOMPARE(json.value(u"watched").toArray(),
             (QJsonArray{QStringLiteral("tcp/8080"), QStringLiteral("udp/53"), QStringLiteral("8000-8100, 9000")}));
    const QJsonArray rules = json.value(u"whitelist").toArray();
    QCOMPARE(rules.size(), 2);
    QCOMPARE(rules.at(0).toObject(), object(R"({"exe": "/usr/sbin/nginx", "user": "www-data", "ports": "tcp/80, tcp/443"})"));
    QCOMPARE(rules.at(1).toObject(), object(R"({"exe": "/usr/bin/node"})"));
    QCOMPARE(json.value(u"intervalMs").toInt(), 2500);
    QCOMPARE(json.value(u"notifications").toObject(), object(R"({"enabled": false, "cooldownSec": 300})"));
    QCOMPARE(json.value(u"logLevel").toString(), QStringLiteral("debug"));
    QCOMPARE(json.value(u"firstRunDone").toBool(), true);
    QCOMPARE(json.size(), 7);
}

void TestConfig::missingKeysTakeDefaults()
{
    const auto empty = Config::fromJson(QJsonObject{});
    QVERIFY(empty);
    QCOMPARE(*empty, Config::defaults());

    const auto partial = Config::fromJson(object(R"({"intervalMs": 500, "notifications": {"cooldownSec": 5}})"));
    QVERIFY(partial);
    Config expected = Config::defaults();
    expected.intervalMs = 500;
    expected.notificationCooldownSec = 5;
    QCOMPARE(*partial, expected);
}

void TestConfig::unknownKeysIgnored()
{
    const auto config = Config::fromJson(
        object(R"({"version": 1, "colour": "blue", "notifications": {"sound": true}, "watched": ["80"]})"));
    QVERIFY(config);
    QCOMPARE(config->watched, QList<PortSpec>{*PortSpec::parse(u"80")});
}

void TestConfig::numbersAsWatchedPorts()
{
    const auto config = Config::fromJson(object(R"({"watched": [80, "tcp/443"]})"));
    QVERIFY(config);
    QCOMPARE(config->watched, (QList<PortSpec>{*PortSpec::parse(u"80"), *PortSpec::parse(u"tcp/443")}));
}

void TestConfig::emptyWatchedListIsAllowed()
{
    const auto config = Config::fromJson(object(R"({"watched": []})"));
    QVERIFY(config);
    QVERIFY(config->watched.isEmpty());
}

void TestConfig::badValues_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error");

    QTest::newRow("version string") << QByteArray(R"({"version": "1"})") << R"(version: must be a whole number, got "1")";
    QTest::newRow("version zero") << QByteArray(R"({"version": 0})")
                                  << "version: 0 is not a Portwatch config version (versions start at 1)";
    QTest::newRow("version fraction") << QByteArray(R"({"version": 1.5})") << "version: must be a whole number, got 1.5";
    QTest::newRow("watched object") << QByteArray(R"({"watched": {"a": 1}})")
                                    << R"(watched: must be an array of port specs such as ["tcp/80", "udp/53"], got an object)";
    QTest::newRow("watched bad spec") << QByteArray(R"({"watched": ["80", "tcp/99999"]})")
                                      << R"(watched[1]: "tcp/99999": port 99999 is out of range 1-65535)";
    QTest::newRow("watched bad number") << QByteArray(R"({"watched": [70000]})")
                                        << R"(watched[0]: "70000": port 70000 is out of range 1-65535)";
    QTest::newRow("watched fraction") << QByteArray(R"({"watched": [80.5]})")
                                      << R"(watched[0]: must be a port spec string such as "tcp/80", got 80.5)";
    QTest::newRow("watched null") << QByteArray(R"({"watched": ["80", null]})")
                                  << R"(watched[1]: must be a port spec string such as "tcp/80", got null)";
    QTest::newRow("watched garbage") << QByteArray(R"({"watched": ["8o"]})")
                                     << R"(watched[0]: "8o": "8o" is not a port number)";
    QTest::newRow("watched duplicate") << QByteArray(R"({"watched": ["tcp/80", "443", ":443"]})")
                                       << R"(watched[2]: "443" is already watched (watched[1]))";
    QTest::newRow("watched duplicate, other spelling") << QByteArray(R"({"watched": ["TCP/80", "tcp/80"]})")
                                                       << R"(watched[1]: "tcp/80" is already watched (watched[0]))";
    QTest::newRow("whitelist string") << QByteArray(R"({"whitelist": "/usr/sbin/nginx"})")
                                      << R"(whitelist: must be an array of rules such as [{"exe": "/usr/sbin/nginx"}], got "/usr/sbin/nginx")";
    QTest::newRow("whitelist element") << QByteArray(R"({"whitelist": [{"exe": "/bin/a"}, "/bin/b"]})")
                                       << R"(whitelist[1]: must be an object such as {"exe": "/usr/sbin/nginx"}, got "/bin/b")";
    QTest::newRow("whitelist relative exe") << QByteArray(R"({"whitelist": [{"exe": "nginx"}]})")
                                            << R"(whitelist[0].exe: "nginx" is not an absolute path)";
    QTest::newRow("whitelist bad ports") << QByteArray(R"({"whitelist": [{"exe": "/bin/a", "ports": "tcp/0"}]})")
                                         << R"(whitelist[0].ports: "tcp/0": port 0 is out of range 1-65535)";
    QTest::newRow("interpreters string") << QByteArray(R"({"interpreters": "deno"})")
                                         << R"(interpreters: must be an array of program names such as ["deno", "lua"], got "deno")";
    QTest::newRow("interpreters number") << QByteArray(R"({"interpreters": ["deno", 5]})")
                                         << R"(interpreters[1]: must be a program name such as "deno", got 5)";
    QTest::newRow("interpreters empty name") << QByteArray(R"({"interpreters": [" "]})")
                                             << "interpreters[0]: the program name is empty";
    QTest::newRow("interpreters path") << QByteArray(R"({"interpreters": ["/usr/bin/deno"]})")
                                       << R"(interpreters[0]: "/usr/bin/deno" is a path; give the program's file name only, such as "deno")";
    QTest::newRow("interpreters space") << QByteArray(R"({"interpreters": ["my deno"]})")
                                        << R"(interpreters[0]: "my deno" contains spaces; a program name has none)";
    QTest::newRow("interpreters twice") << QByteArray(R"({"interpreters": ["lua", "lua"]})")
                                        << R"(interpreters[1]: "lua" is listed twice)";
    QTest::newRow("whitelist rule without exe or user") << QByteArray(R"({"whitelist": [{"ports": "tcp/80"}]})")
                                                        << R"(whitelist[0].exe: missing (the absolute path of the executable; a rule without one needs "user" and "ports"))";
    QTest::newRow("interval low") << QByteArray(R"({"intervalMs": 249})") << "intervalMs: 249 is out of range 250-60000";
    QTest::newRow("interval high") << QByteArray(R"({"intervalMs": 60001})")
                                   << "intervalMs: 60001 is out of range 250-60000";
    QTest::newRow("interval string") << QByteArray(R"({"intervalMs": "fast"})")
                                     << R"(intervalMs: must be a whole number, got "fast")";
    QTest::newRow("interval fraction") << QByteArray(R"({"intervalMs": 1000.5})")
                                       << "intervalMs: must be a whole number, got 1000.5";
    QTest::newRow("interval huge") << QByteArray(R"({"intervalMs": 1e300})")
                                   << "intervalMs: 1e+300 is out of range 250-60000";
    QTest::newRow("notifications bool") << QByteArray(R"({"notifications": true})")
                                        << R"(notifications: must be an object such as {"enabled": true, "cooldownSec": 60}, got true)";
    QTest::newRow("notifications.enabled") << QByteArray(R"({"notifications": {"enabled": "yes"}})")
                                           << R"(notifications.enabled: must be true or false, got "yes")";
    QTest::newRow("notifications.cooldownSec") << QByteArray(R"({"notifications": {"cooldownSec": -1}})")
                                               << "notifications.cooldownSec: -1 is out of range 0-86400";
    QTest::newRow("notifications.cooldownSec high") << QByteArray(R"({"notifications": {"cooldownSec": 86401}})")
                                                    << "notifications.cooldownSec: 86401 is out of range 0-86400";
    QTest::newRow("logLevel name") << QByteArray(R"({"logLevel": "verbose"})")
                                   << R"(logLevel: "verbose" is not a log level (use trace, debug, info, warn, error, critical or off))";
    QTest::newRow("logLevel number") << QByteArray(R"({"logLevel": 3})")
                                     << "logLevel: must be a string (trace, debug, info, warn, error, critical or off), got 3";
    QTest::newRow("firstRunDone") << QByteArray(R"({"firstRunDone": 1})")
                                  << "firstRunDone: must be true or false, got 1";
}

void TestConfig::badValues()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    QStringList errors;
    QVERIFY(!Config::fromJson(object(json), &errors));
    QCOMPARE(errors, QStringList{error});
}

void TestConfig::everyProblemReported()
{
    QStringList errors;
    QVERIFY(!Config::fromJson(
        object(R"({"watched": ["8o", "80"], "intervalMs": 1, "whitelist": [{"exe": 3}], "logLevel": "loud"})"), &errors));
    QCOMPARE(errors.size(), 4);
    QVERIFY(errors.at(0).startsWith(u"watched[0]: "));
    QVERIFY(errors.at(1).startsWith(u"whitelist[0].exe: "));
    QVERIFY(errors.at(2).startsWith(u"intervalMs: "));
    QVERIFY(errors.at(3).startsWith(u"logLevel: "));
}

void TestConfig::newerVersion()
{
    QStringList errors;
    // Keys that mean something else in a newer format are not judged.
    QVERIFY(!Config::fromJson(object(R"({"version": 3, "watched": {"ports": [80]}})"), &errors));
    QCOMPARE(errors,
             QStringList{QStringLiteral("version: 3: this file is from a newer Portwatch (this one reads version 2 and "
                                        "older); update Portwatch or move the file away")});
}

void TestConfig::loadMissing()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("sub/config.json"));
    const ConfigLoad load = ConfigStore::load(path);
    QCOMPARE(load.status, ConfigLoad::Status::Missing);
    QCOMPARE(load.config, Config::defaults());
    QCOMPARE(load.path, path);
    QVERIFY(load.keptAsidePath.isEmpty());
    // Nothing written: not even the directory.
    QVERIFY(!QFileInfo::exists(dir.filePath(QStringLiteral("sub"))));
}

void TestConfig::loadValid()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("config.json"));
    QVERIFY(writeFile(path, R"({"version": 1, "watched": ["tcp/8080"], "intervalMs": 750})"));
    const ConfigLoad load = ConfigStore::load(path);
    QCOMPARE(load.status, ConfigLoad::Status::Loaded);
    QCOMPARE(load.config.watched, QList<PortSpec>{*PortSpec::parse(u"tcp/8080")});
    QCOMPARE(load.config.intervalMs, 750);
    QVERIFY(load.keptAsidePath.isEmpty());
    QVERIFY(QFileInfo::exists(path));
}

void TestConfig::loadSyntaxError()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("config.json"));
    // A missing comma after "ü80" on line 3; the "ü" checks that columns count characters, not bytes.
    const QByteArray original = "{\n  \"version\": 1,\n  \"watched\": [\"ü80\" \"443\"]\n}\n";
    QVERIFY(writeFile(path, original));

    const ConfigLoad load = ConfigStore::load(path);
    QCOMPARE(load.status, ConfigLoad::Status::Broken);
    QCOMPARE(load.config, Config::defaults());
    QVERIFY(!QFileInfo::exists(path));
    QVERIFY(!load.keptAsidePath.isEmpty());
    QCOMPARE(readFile(load.keptAsidePath), original);
    QCOMPARE(QFileInfo(load.keptAsidePath).absolutePath(), QFileInfo(path).absolutePath());
    QVERIFY2(QRegularExpression(QStringLiteral("^config\\.json\\.broken-\\d{8}-\\d{6}$"))
                 .match(QFileInfo(load.keptAsidePath).fileName())
                 .hasMatch(),
             qPrintable(load.keptAsidePath));

    const QString firstLine = load.message.section(u'\n', 0, 0);
    // Column 21 is the opening quote of "443", where the comma should have been.
    // Messages name files the way the OS writes paths (backslashes on Windows).
    QCOMPARE(firstLine, QDir::toNativeSeparators(path) + QStringLiteral(" is not valid JSON: line 3, column 21: missing value separator"));
    QVERIFY2(load.message.contains(QDir::toNativeSeparators(load.keptAsidePath)), qPrintable(load.message));
}

void TestConfig::syntaxErrorPositions_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("where");

    // Each position is that of the character an editor user should look at.
    QTest::newRow("unterminated array") << QByteArray("{\n  \"watched\": [\"80\"\n}\n\n")
                                        << "line 3, column 1: unterminated array";
    QTest::newRow("trailing comma") << QByteArray(R"({"watched": ["80",]})")
                                    << "line 1, column 19: object is missing after a comma";
    QTest::newRow("missing colon") << QByteArray("{\n\t\"intervalMs\" 500}")
                                   << "line 2, column 15: missing name separator";
    QTest::newRow("unterminated object") << QByteArray("{\"intervalMs\": 500")
                                         << "line 1, column 18: invalid termination by number";
}

void TestConfig::syntaxErrorPositions()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, where);
    QString message;
    QVERIFY(!ConfigStore::parse(json, QStringLiteral("c.json"), &message));
    QCOMPARE(message, QStringLiteral("c.json is not valid JSON: ") + where);
}

void TestConfig::loadEmptyFile()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("config.json"));
    QVERIFY(writeFile(path, "  \n"));
    const ConfigLoad load = ConfigStore::load(path);
    QCOMPARE(load.status, ConfigLoad::Status::Broken);
    QVERIFY2(load.message.startsWith(QDir::toNativeSeparators(path) + QStringLiteral(" is empty")), qPrintable(load.message));
    QCOMPARE(readFile(load.keptAsidePath), QByteArray("  \n"));
}

void TestConfig::loadInvalidValues()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("config.json"));
    const QByteArray original = R"({"watched": ["80", "99999"], "intervalMs": 10})";
    QVERIFY(writeFile(path, original));

    const ConfigLoad load = ConfigStore::load(path);
    QCOMPARE(load.status, ConfigLoad::Status::Broken);
    QCOMPARE(load.config, Config::defaults());
    QCOMPARE(readFile(load.keptAsidePath), original);
    QVERIFY(!QFileInfo::exists(path));
    const QStringList lines = load.message.split(u'\n');
    QCOMPARE(lines.value(0), QDir::toNativeSeparators(path) + QStringLiteral(" has invalid values:"));
    QCOMPARE(lines.value(1), QStringLiteral("  watched[1]: \"99999\": port 99999 is out of range 1-65535"));
    QCOMPARE(lines.value(2), QStringLiteral("  intervalMs: 10 is out of range 250-60000"));
    QVERIFY2(lines.value(3).contains(QDir::toNativeSeparators(load.keptAsidePath)), qPrintable(load.message));
}

void TestConfig::loadNotAnObject()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("config.json"));
    QVERIFY(writeFile(path, R"(["tcp/80"])"));
    const ConfigLoad load = ConfigStore::load(path);
    QCOMPARE(load.status, ConfigLoad::Status::Broken);
    QVERIFY2(load.message.startsWith(QDir::toNativeSeparators(path) + QStringLiteral(": the top level must be a JSON object ({ ... }), not an array")),
             qPrintable(load.message));
}

void TestConfig::brokenFilesGetUniqueNames()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("config.json"));
    QSet<QString> asides;
    for (int i = 0; i < 3; ++i) {
        const QByteArray content = "{ broken " + QByteArray::number(i);
        QVERIFY(writeFile(path, content));
        const ConfigLoad load = ConfigStore::load(path);
        QCOMPARE(load.status, ConfigLoad::Status::Broken);
        QCOMPARE(readFile(load.keptAsidePath), content);
        asides.insert(load.keptAsidePath);
    }
    // Three loads within the same few seconds: no aside file replaced another.
    QCOMPARE(asides.size(), 3);
}

void TestConfig::brokenFileNeverOverwritten()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("config.json"));
    const QByteArray original = R"({"watched": ["tcp/80",]})";
    QVERIFY(writeFile(path, original));
    const ConfigLoad load = ConfigStore::load(path);
    QCOMPARE(load.status, ConfigLoad::Status::Broken);

    QString error;
    QVERIFY2(ConfigStore::save(path, load.config, &error), qPrintable(error));
    QCOMPARE(readFile(load.keptAsidePath), original);
    QCOMPARE(ConfigStore::load(path).status, ConfigLoad::Status::Loaded);
}

void TestConfig::saveCreatesDirectoryAndIsIndented()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("a/b/portwatch/config.json"));
    QString error;
    QVERIFY2(ConfigStore::save(path, sampleConfig(), &error), qPrintable(error));
    const QByteArray data = readFile(path);
    QCOMPARE(data, ConfigStore::serialize(sampleConfig()));
    QVERIFY(data.contains("\n    \"intervalMs\": 2500"));
    const ConfigLoad load = ConfigStore::load(path);
    QCOMPARE(load.status, ConfigLoad::Status::Loaded);
    QCOMPARE(load.config, sampleConfig());
}

void TestConfig::saveLeavesNoTemporaryFiles()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("config.json"));
    QVERIFY(ConfigStore::save(path, Config::defaults()));
    QVERIFY(ConfigStore::save(path, sampleConfig()));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden | QDir::System),
             QStringList{QStringLiteral("config.json")});
    QCOMPARE(ConfigStore::load(path).config, sampleConfig());
}

void TestConfig::saveFailureHasText()
{
    QTemporaryDir dir;
    // The "directory" is a regular file, so it can be neither created nor written into (even as root).
    const QString blocker = dir.filePath(QStringLiteral("blocker"));
    QVERIFY(writeFile(blocker, "x"));
    const QString path = blocker + QStringLiteral("/config.json");
    QString error;
    QVERIFY(!ConfigStore::save(path, Config::defaults(), &error));
    QVERIFY2(error.contains(QDir::toNativeSeparators(blocker)), qPrintable(error));
    QCOMPARE(readFile(blocker), QByteArray("x"));
}

void TestConfig::saveOnFullDiskKeepsTheOldFile()
{
#ifndef Q_OS_LINUX
    QSKIP("a full disk is made with a Linux tmpfs; the Windows build has no such mount");
#else
    portwatch::testing::SmallTmpfs disk;
    if (!disk.mounted())
        QSKIP(disk.reason().c_str());
    const QString path = QString::fromStdString(disk.path()) + QStringLiteral("/config.json");
    QString error;
    QVERIFY2(ConfigStore::save(path, sampleConfig(), &error), qPrintable(error));
    const QByteArray before = readFile(path);
    QVERIFY(disk.fill());

    Config next = sampleConfig();
    WhitelistRule python;
    python.exe = QStringLiteral("/usr/bin/python3");
    next.whitelist.append(python);
    QVERIFY(!ConfigStore::save(path, next, &error));
    QVERIFY2(error.contains(QStringLiteral("No space left on device")), qPrintable(error));
    QVERIFY2(error.contains(path), qPrintable(error));
    QCOMPARE(readFile(path), before);
    QCOMPARE(ConfigStore::load(path).config, sampleConfig());
    QCOMPARE(QDir(QString::fromStdString(disk.path())).entryList(QDir::Files | QDir::Hidden),
             (QStringList{QStringLiteral("config.json"), QStringLiteral("filler")}));

    disk.drain();
    QVERIFY2(ConfigStore::save(path, next, &error), qPrintable(error));
    QCOMPARE(ConfigStore::load(path).config, next);
#endif
}

void TestConfig::unreadableFilesAreLeftAlone_data()
{
    QTest::addColumn<QString>("kind");
    QTest::newRow("fifo") << QStringLiteral("fifo");
    QTest::newRow("symlink to /dev/zero") << QStringLiteral("zero");
    QTest::newRow("directory") << QStringLiteral("directory");
}

void TestConfig::unreadableFilesAreLeftAlone()
{
#ifndef Q_OS_LINUX
    QSKIP("FIFOs and devices as config files are POSIX files; Windows has none at these paths");
#else
    QFETCH(QString, kind);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("config.json"));
    const QByteArray native = QFile::encodeName(path);
    if (kind == QLatin1String("fifo"))
        QCOMPARE(::mkfifo(native.constData(), 0600), 0);
    else if (kind == QLatin1String("zero"))
        QVERIFY(QFile::link(QStringLiteral("/dev/zero"), path));
    else
        QVERIFY(QDir().mkdir(path));

    // A plain open of a FIFO without a writer blocks for ever, and /dev/zero never ends: returning
    // at all is half of the test.
    const ConfigLoad load = ConfigStore::load(path);
    QCOMPARE(load.status, ConfigLoad::Status::Unreadable);
    QVERIFY2(load.message.contains(path) && load.message.contains(QStringLiteral("not a regular file")),
             qPrintable(load.message));
    QVERIFY(load.keptAsidePath.isEmpty());
    QCOMPARE(load.config, Config::defaults());
    QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::System),
             QStringList{QStringLiteral("config.json")});
#endif
}

void TestConfig::tooLargeFileIsRefused()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("config.json"));
    // Valid JSON, only too large: the limit is on size, before any parsing.
    QByteArray big = "{\"logLevel\": \"info\"" + QByteArray(Config::maxFileBytes, ' ') + "}";
    QVERIFY(writeFile(path, big));
    const ConfigLoad load = ConfigStore::load(path, ConfigStore::BrokenFile::LeaveAlone);
    QCOMPARE(load.status, ConfigLoad::Status::Broken);
    QVERIFY2(load.message.contains(QStringLiteral("too large")) && load.message.contains(QString::number(Config::maxFileBytes)),
             qPrintable(load.message));
    QCOMPARE(QFileInfo(path).size(), big.size());

    // Exactly at the limit is fine.
    const QByteArray head = "{\"logLevel\": \"info\"";
    big = head + QByteArray(Config::maxFileBytes - head.size() - 1, ' ') + "}";
    QCOMPARE(big.size(), Config::maxFileBytes);
    QVERIFY(writeFile(path, big));
    QCOMPARE(ConfigStore::load(path).status, ConfigLoad::Status::Loaded);
}

void TestConfig::leaveAloneNeverMovesABrokenFile()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("config.json"));
    const QByteArray broken = "{\n  \"watched\": [\"80\",\n}\n";
    QVERIFY(writeFile(path, broken));
    const ConfigLoad load = ConfigStore::load(path, ConfigStore::BrokenFile::LeaveAlone);
    QCOMPARE(load.status, ConfigLoad::Status::Broken);
    QVERIFY2(load.message.contains(QDir::toNativeSeparators(path)) && load.message.contains(QStringLiteral("line 3")),
             qPrintable(load.message));
    QVERIFY(load.keptAsidePath.isEmpty());
    QCOMPARE(readFile(path), broken);
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), QStringList{QStringLiteral("config.json")});
}

void TestConfig::overlongTextIsRefused_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("expected");
    const QByteArray longPath = "/" + QByteArray(Config::maxTextLength, 'a');
    const QByteArray longUser = QByteArray(Config::maxUserNameLength + 1, 'u');
    QTest::newRow("exe") << QByteArray(R"({"whitelist": [{"exe": ")" + longPath + R"("}]})")
                         << QStringLiteral("whitelist[0].exe: text of 4097 characters; the limit is 4096");
    QTest::newRow("user") << QByteArray(R"({"whitelist": [{"exe": "/bin/nc", "user": ")" + longUser + R"("}]})")
                          << QStringLiteral("whitelist[0].user: text of 257 characters; the limit is 256");
    QTest::newRow("watched spec") << QByteArray(R"({"watched": ["80", ")" + QByteArray(5000, '8') + R"("]})")
                                  << QStringLiteral("watched[1]: text of 5000 characters; the limit is 4096");
    // A key no version knows yet is capped all the same.
    QTest::newRow("unknown key") << QByteArray(R"({"future": {"glob": ")" + QByteArray(1 << 20, '*') + R"("}})")
                                 << QStringLiteral("future.glob: text of 1048576 characters; the limit is 4096");
}

void TestConfig::overlongTextIsRefused()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, expected);
    QString message;
    QVERIFY(!ConfigStore::parse(json, QStringLiteral("config.json"), &message));
    QVERIFY2(message.contains(expected), qPrintable(message));
    // The message names the problem without quoting the text back.
    QVERIFY2(message.size() < 500, qPrintable(message.left(500)));
}

void TestConfig::manyWatchedSpecsAtTheSizeLimit()
{
    // As many specs as fit in the size limit, every one distinct, then one duplicate at the end:
    // the duplicate check must be correct, and linear (a quadratic one takes minutes here).
    QByteArray json = R"({"watched": [)";
    int count = 0;
    for (int first = 1; json.size() < Config::maxFileBytes - 100; ++first) {
        for (int length = 0; length < 8 && json.size() < Config::maxFileBytes - 100; ++length, ++count)
            json += "\"" + QByteArray::number(first) + "-" + QByteArray::number(first + length) + "\",";
    }
    json += R"("1-1"]})";
    QVERIFY(json.size() <= Config::maxFileBytes);
    QString message;
    QVERIFY(!ConfigStore::parse(json, QStringLiteral("config.json"), &message));
    QVERIFY2(message.contains(QStringLiteral("watched[%1]: \"1\" is already watched (watched[0])").arg(count)),
             qPrintable(message));

    json.chop(int(qstrlen(R"(,"1-1"]})")));
    json += "]}";
    QVERIFY2(ConfigStore::parse(json, QStringLiteral("config.json"), &message), qPrintable(message.left(500)));
    QCOMPARE(ConfigStore::parse(json, QStringLiteral("config.json"))->watched.size(), count);
}

void TestConfig::manyProblemsAreSummarised()
{
    QByteArray json = R"({"watched": [)";
    for (int i = 0; i < 1000; ++i)
        json += "\"99999\",";
    json += R"("80"]})";
    QString message;
    QVERIFY(!ConfigStore::parse(json, QStringLiteral("config.json"), &message));
    QVERIFY2(message.contains(QStringLiteral("... and 980 more")), qPrintable(message));
    QCOMPARE(message.count(QStringLiteral("99999 is out of range")), 20);
}

void TestConfig::defaultPathsFollowXdg()
{
#if defined(Q_OS_WIN)
    // Windows has no XDG directories: the roaming profile holds the configuration, the local one the logs.
    const QString roaming = QDir::fromNativeSeparators(qEnvironmentVariable("APPDATA"));
    const QString local = QDir::fromNativeSeparators(qEnvironmentVariable("LOCALAPPDATA"));
    QVERIFY(!roaming.isEmpty() && !local.isEmpty());
    QCOMPARE(portwatch::paths::configDir(), roaming + QStringLiteral("/portwatch"));
    QCOMPARE(ConfigStore::defaultPath(), roaming + QStringLiteral("/portwatch/config.json"));
    QCOMPARE(portwatch::paths::stateDir(), local + QStringLiteral("/portwatch"));
    return;
#endif
    QTemporaryDir dir;
    const QByteArray oldConfig = qgetenv("XDG_CONFIG_HOME");
    const QByteArray oldState = qgetenv("XDG_STATE_HOME");
    qputenv("XDG_CONFIG_HOME", QFile::encodeName(dir.filePath(QStringLiteral("cfg"))));
    qputenv("XDG_STATE_HOME", QFile::encodeName(dir.filePath(QStringLiteral("state"))));
    QCOMPARE(portwatch::paths::configDir(), dir.filePath(QStringLiteral("cfg/portwatch")));
    QCOMPARE(ConfigStore::defaultPath(), dir.filePath(QStringLiteral("cfg/portwatch/config.json")));
    QCOMPARE(portwatch::paths::stateDir(), dir.filePath(QStringLiteral("state/portwatch")));
    // The XDG spec says relative paths are to be ignored.
    qputenv("XDG_STATE_HOME", "relative/state");
    QCOMPARE(portwatch::paths::stateDir(), QDir::homePath() + QStringLiteral("/.local/state/portwatch"));
    qunsetenv("XDG_STATE_HOME");
    QCOMPARE(portwatch::paths::stateDir(), QDir::homePath() + QStringLiteral("/.local/state/portwatch"));
    qputenv("XDG_CONFIG_HOME", oldConfig);
    qputenv("XDG_STATE_HOME", oldState);
}

QTEST_GUILESS_MAIN(TestConfig)
#include "tst_config.moc"
