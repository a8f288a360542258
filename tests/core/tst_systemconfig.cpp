// System-wide defaults under the user's configuration: where they are searched, the merge rule,
// a broken system file (reported, ignored, never moved), and saving only the user's part.
#include "core/configmanager.h"
#include "core/systemconfig.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace portwatch;

namespace {

QString writeFile(const QString &path, const QByteArray &content)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size())
        qWarning("cannot write %s", qPrintable(path));
    return path;
}

QByteArray json(const QJsonObject &object)
{
    return QJsonDocument(object).toJson();
}

PortSpec spec(const char *text)
{
    return *PortSpec::parse(QString::fromLatin1(text));
}

WhitelistRule rule(const char *exe)
{
    WhitelistRule result;
    result.exe = QString::fromLatin1(exe);
    return result;
}

QJsonObject readJson(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(file.readAll()).object() : QJsonObject();
}

} // namespace

class TestSystemConfig final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void searchPathsFollowXdgConfigDirs()
    {
        const QByteArray saved = qgetenv("XDG_CONFIG_DIRS");
        qputenv("XDG_CONFIG_DIRS", "/etc/fleet:relative/ignored:/etc/xdg/:/etc/fleet");
        QCOMPARE(SystemConfig::searchPaths(),
                 (QStringList{"/etc/fleet/portwatch/config.json", "/etc/xdg/portwatch/config.json"}));
        qputenv("XDG_CONFIG_DIRS", "");
        QCOMPARE(SystemConfig::searchPaths(), QStringList{"/etc/xdg/portwatch/config.json"});
        qputenv("XDG_CONFIG_DIRS", saved);
    }

    void listsAddUpAndUserSettingsWin()
    {
        QTemporaryDir dir;
        const QString system = writeFile(dir.filePath("etc/portwatch/config.json"),
                                         json({{"version", 1},
                                               {"watched", QJsonArray{"tcp/22", "tcp/8080"}},
                                               {"whitelist", QJsonArray{QJsonObject{{"exe", "/usr/sbin/sshd"}}}},
                                               {"intervalMs", 5000},
                                               {"logLevel", "warn"}}));
        const SystemConfig layer = SystemConfig::load({system});
        QVERIFY(layer.problems.isEmpty());
        QCOMPARE(layer.files, QStringList{system});

        Config user;
        user.watched = {spec("tcp/8080"), spec("udp/53")};
        user.whitelist = {rule("/usr/bin/python3")};
        user.intervalMs = 750;
        const Config merged = layer.merged(user, true);
        // Added together, each once, the user's first.
        QCOMPARE(merged.watched, (QList<PortSpec>{spec("tcp/8080"), spec("udp/53"), spec("tcp/22")}));
        QCOMPARE(merged.whitelist, (QList<WhitelistRule>{rule("/usr/bin/python3"), rule("/usr/sbin/sshd")}));
        // The user's file has its own settings: they win, defaults included.
        QCOMPARE(merged.intervalMs, 750);
        QCOMPARE(merged.logLevel, QStringLiteral("info"));

        // A user without a file gets the system's settings, over the defaults.
        const Config fresh = layer.merged(Config::defaults(), false);
        QCOMPARE(fresh.intervalMs, 5000);
        QCOMPARE(fresh.logLevel, QStringLiteral("warn"));
        QCOMPARE(fresh.notificationCooldownSec, Config().notificationCooldownSec);
        QVERIFY(fresh.watched.contains(spec("tcp/22")));
        QVERIFY(fresh.watched.contains(spec("tcp/443"))); // the defaults stay watched
    }

    void keysTheSystemFileLeavesOutChangeNothing()
    {
        QTemporaryDir dir;
        const QString system = writeFile(dir.filePath("a/portwatch/config.json"),
                                         json({{"whitelist", QJsonArray{QJsonObject{{"exe", "/usr/sbin/nginx"}}}}}));
        const SystemConfig layer = SystemConfig::load({system});
        QVERIFY(layer.watched.isEmpty()); // not the defaults Config::fromJson fills in
        QCOMPARE(layer.merged(Config::defaults(), false).watched, Config::defaults().watched);
        QCOMPARE(layer.merged(Config::defaults(), false).intervalMs, Config::defaultIntervalMs);
    }

    void moreImportantFileWinsSettings()
    {
        QTemporaryDir dir;
        const QString first = writeFile(dir.filePath("first/portwatch/config.json"),
                                        json({{"intervalMs", 2000}, {"watched", QJsonArray{"tcp/1"}}}));
        const QString second = writeFile(dir.filePath("second/portwatch/config.json"),
                                         json({{"intervalMs", 9000}, {"logLevel", "debug"}, {"watched", QJsonArray{"tcp/2"}}}));
        const SystemConfig layer = SystemConfig::load({first, second, dir.filePath("absent/portwatch/config.json")});
        QCOMPARE(layer.files, (QStringList{first, second}));
        QCOMPARE(layer.settings.intervalMs, 2000);
        QCOMPARE(layer.settings.logLevel, QStringLiteral("debug"));
        QCOMPARE(layer.watched.size(), 2);
    }

    void brokenSystemFileIsReportedAndLeftAlone()
    {
        QTemporaryDir dir;
        const QByteArray broken = "{ \"watched\": [\"tcp/99999\"] }";
        const QString bad = writeFile(dir.filePath("bad/portwatch/config.json"), broken);
        const QString good = writeFile(dir.filePath("good/portwatch/config.json"), json({{"watched", QJsonArray{"tcp/22"}}}));
        const SystemConfig layer = SystemConfig::load({bad, good});
        QCOMPARE(layer.problems.size(), 1);
        QVERIFY2(layer.problems.constFirst().contains(QDir::toNativeSeparators(bad)), qPrintable(layer.problems.constFirst()));
        QVERIFY2(layer.problems.constFirst().contains(QLatin1String("99999")), qPrintable(layer.problems.constFirst()));
        QCOMPARE(layer.files, QStringList{good});
        QCOMPARE(layer.watched, QList<PortSpec>{spec("tcp/22")});
        // Not the user's file: never moved, never rewritten.
        QFile file(bad);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), broken);
        QCOMPARE(QDir(QFileInfo(bad).absolutePath()).entryList(QDir::Files), QStringList{"config.json"});
    }

    void userPartDropsOnlySystemEntries()
    {
        SystemConfig layer;
        layer.watched = {spec("tcp/22"), spec("tcp/80")};
        layer.whitelist = {rule("/usr/sbin/sshd")};
        Config userBefore;
        userBefore.watched = {spec("tcp/80")}; // the user watched it before the administrator did
        Config merged = layer.merged(userBefore, true);
        merged.whitelist.append(rule("/usr/bin/node"));
        const Config part = layer.userPart(merged, userBefore);
        QCOMPARE(part.watched, QList<PortSpec>{spec("tcp/80")});
        QCOMPARE(part.whitelist, QList<WhitelistRule>{rule("/usr/bin/node")});
    }

    void managerSavesOnlyTheUsersPart()
    {
        QTemporaryDir dir;
        const QString system = writeFile(dir.filePath("etc/portwatch/config.json"),
                                         json({{"watched", QJsonArray{"tcp/22"}},
                                               {"whitelist", QJsonArray{QJsonObject{{"exe", "/usr/sbin/sshd"}}}}}));
        const QString userPath = writeFile(dir.filePath("home/portwatch/config.json"),
                                           json({{"version", 1}, {"watched", QJsonArray{"tcp/8080"}}, {"whitelist", QJsonArray{}}}));
        ConfigManager manager(userPath);
        manager.setSystemConfig(SystemConfig::load({system}));
        const ConfigLoad load = manager.load();
        QCOMPARE(load.status, ConfigLoad::Status::Loaded);
        QCOMPARE(manager.config().watched, (QList<PortSpec>{spec("tcp/8080"), spec("tcp/22")}));
        QCOMPARE(load.config, manager.config());

        QSignalSpy changed(&manager, &ConfigManager::changed);
        QVERIFY(manager.addWhitelistRule(rule("/usr/bin/node")));
        QCOMPARE(changed.size(), 1);
        QCOMPARE(manager.config().whitelist, (QList<WhitelistRule>{rule("/usr/bin/node"), rule("/usr/sbin/sshd")}));
        const QJsonObject saved = readJson(userPath);
        QCOMPARE(saved.value("watched").toArray(), QJsonArray{"tcp/8080"});
        QCOMPARE(saved.value("whitelist").toArray().size(), 1);
        QCOMPARE(saved.value("whitelist").toArray().at(0).toObject().value("exe").toString(), QStringLiteral("/usr/bin/node"));
        // A rule the system already has is there: nothing to save.
        QVERIFY(manager.addWhitelistRule(rule("/usr/sbin/sshd")));
        QCOMPARE(changed.size(), 1);

        // An edit of the user's file is merged again.
        writeFile(userPath, json({{"version", 1}, {"watched", QJsonArray{"tcp/9090"}}}));
        QTRY_COMPARE(changed.size(), 2);
        QCOMPARE(manager.config().watched, (QList<PortSpec>{spec("tcp/9090"), spec("tcp/22")}));
    }
};

QTEST_GUILESS_MAIN(TestSystemConfig)
#include "tst_systemconfig.moc"
