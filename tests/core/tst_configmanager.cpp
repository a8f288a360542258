// Tests for ConfigManager: saving on real change only, whitelist dedup, external edits applied without
// restart (in place and by rename), broken external edits reported and never overwritten.
#include "core/configmanager.h"
#ifdef Q_OS_LINUX
#include "asnobody.h"
#endif
#ifdef Q_OS_LINUX
#include "smalltmpfs.h"
#endif

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QSaveFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#ifdef Q_OS_LINUX
#include <sys/stat.h>
#endif

using portwatch::Config;
using portwatch::ConfigLoad;
using portwatch::ConfigManager;
using portwatch::PortSpec;
using portwatch::WhitelistRule;
namespace ConfigStore = portwatch::ConfigStore;

namespace {

// How long to wait for a signal that must NOT come: several debounce periods.
constexpr int quietMs = ConfigManager::debounceMs * 4;

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// Like most editors' "save": write a new file and rename it over the old one.
bool replaceFile(const QString &path, const QByteArray &data)
{
    QSaveFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(data) == data.size() && file.commit();
}

// Like vi with backupcopy=yes or `echo > file`: truncate and rewrite the same inode.
bool rewriteInPlace(const QString &path, const QByteArray &data)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(data) == data.size();
}

QStringList brokenAsides(const QString &directory)
{
    return QDir(directory).entryList({QStringLiteral("config.json.broken-*")}, QDir::Files);
}

WhitelistRule nginxRule()
{
    WhitelistRule rule;
    rule.exe = QStringLiteral("/usr/sbin/nginx");
    rule.ports = *PortSpec::parse(u"tcp/80");
    return rule;
}

} // namespace

class TestConfigManager : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void missingFileWritesNothingUntilChange();
    void updateWithEqualConfigDoesNothing();
    void ownSaveIsNotReportedBack();
    void updateRejectsInvalidValues();
    void addWhitelistRuleDedups();
    void externalEditByRenameApplies();
    void externalEditInPlaceApplies();
    void externalEditWithoutChangeEmitsNothing();
    void brokenExternalEditKeepsRunningConfig();
    void saveAfterBrokenEditKeepsItAside();
    void saveRightAfterBrokenEditKeepsItAside();
    void brokenFileAtStartIsKeptAside();
    void fileCreatedLaterIsPickedUp();
    void fullDiskKeepsTheRuleAndTheFile();
    void unreadableFileIsNeverReplaced();
    void specialFileIsNeverReplaced();
    void readOnlyManagerNeverMovesABrokenFile();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_path;
};

void TestConfigManager::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_path = m_dir->filePath(QStringLiteral("config.json"));
}

void TestConfigManager::cleanup()
{
    m_dir.reset();
}

void TestConfigManager::missingFileWritesNothingUntilChange()
{
    ConfigManager manager(m_path);
    QSignalSpy changed(&manager, &ConfigManager::changed);
    QCOMPARE(manager.load().status, ConfigLoad::Status::Missing);
    QCOMPARE(manager.config(), Config::defaults());

    QVERIFY(manager.update(Config::defaults()));
    QVERIFY(!QFileInfo::exists(m_path));
    QCOMPARE(changed.count(), 0);

    Config next = manager.config();
    next.firstRunDone = true;
    QString error;
    QVERIFY2(manager.update(next, &error), qPrintable(error));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).value<Config>(), next);
    QCOMPARE(manager.config(), next);
    QCOMPARE(ConfigStore::load(m_path).config, next);
}

void TestConfigManager::updateWithEqualConfigDoesNothing()
{
    const QByteArray handWritten = R"({ "watched": ["80"],   "intervalMs": 500 })";
    QVERIFY(rewriteInPlace(m_path, handWritten));
    ConfigManager manager(m_path);
    QCOMPARE(manager.load().status, ConfigLoad::Status::Loaded);
    QSignalSpy changed(&manager, &ConfigManager::changed);

    const Config same = manager.config();
    QVERIFY(manager.update(same));
    QVERIFY(!changed.wait(quietMs));
    // The user's formatting survives: nothing was rewritten.
    QCOMPARE(readFile(m_path), handWritten);
}

void TestConfigManager::ownSaveIsNotReportedBack()
{
    ConfigManager manager(m_path);
    manager.load();
    QSignalSpy changed(&manager, &ConfigManager::changed);
    QSignalSpy problem(&manager, &ConfigManager::problem);

    Config next = manager.config();
    next.intervalMs = 5000;
    QVERIFY(manager.update(next));
    next.intervalMs = 6000;
    QVERIFY(manager.update(next));
    QCOMPARE(changed.count(), 2);
    // The file events from both saves arrive later and must not produce a third signal.
    QVERIFY(!changed.wait(quietMs));
    QCOMPARE(changed.count(), 2);
    QCOMPARE(problem.count(), 0);
    QCOMPARE(manager.config().intervalMs, 6000);
}

void TestConfigManager::updateRejectsInvalidValues()
{
    ConfigManager manager(m_path);
    manager.load();
    QSignalSpy changed(&manager, &ConfigManager::changed);
    Config bad = manager.config();
    bad.intervalMs = 10;
    QString error;
    QVERIFY(!manager.update(bad, &error));
    QVERIFY2(error.contains(u"intervalMs: 10 is out of range 250-60000"), qPrintable(error));
    QCOMPARE(changed.count(), 0);
    QCOMPARE(manager.config(), Config::defaults());
    QVERIFY(!QFileInfo::exists(m_path));
}

void TestConfigManager::addWhitelistRuleDedups()
{
    ConfigManager manager(m_path);
    manager.load();
    QSignalSpy changed(&manager, &ConfigManager::changed);

    QVERIFY(manager.addWhitelistRule(nginxRule()));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(manager.config().whitelist, QList<WhitelistRule>{nginxRule()});
    QCOMPARE(ConfigStore::load(m_path).config.whitelist, QList<WhitelistRule>{nginxRule()});

    const QByteArray saved = readFile(m_path);
    QVERIFY(manager.addWhitelistRule(nginxRule()));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(manager.config().whitelist.size(), 1);
    QCOMPARE(readFile(m_path), saved);

    WhitelistRule anyPort = nginxRule();
    anyPort.ports = PortSpec();
    QVERIFY(manager.addWhitelistRule(anyPort));
    QCOMPARE(changed.count(), 2);
    QCOMPARE(manager.config().whitelist.size(), 2);
}

void TestConfigManager::externalEditByRenameApplies()
{
    QVERIFY(ConfigStore::save(m_path, Config::defaults()));
    ConfigManager manager(m_path);
    QCOMPARE(manager.load().status, ConfigLoad::Status::Loaded);
    QSignalSpy changed(&manager, &ConfigManager::changed);

    QVERIFY(replaceFile(m_path, R"({"watched": ["tcp/8080"]})"));
    QTRY_COMPARE(changed.count(), 1);
    QCOMPARE(manager.config().watched, QList<PortSpec>{*PortSpec::parse(u"tcp/8080")});
    QCOMPARE(changed.at(0).at(0).value<Config>(), manager.config());

    // The rename replaced the watched inode; the watch must follow to the new file.
    QVERIFY(replaceFile(m_path, R"({"watched": ["tcp/9090"]})"));
    QTRY_COMPARE(changed.count(), 2);
    QVERIFY(rewriteInPlace(m_path, R"({"watched": ["tcp/9191"]})"));
    QTRY_COMPARE(changed.count(), 3);
    QCOMPARE(manager.config().watched, QList<PortSpec>{*PortSpec::parse(u"tcp/9191")});
}

void TestConfigManager::externalEditInPlaceApplies()
{
    QVERIFY(ConfigStore::save(m_path, Config::defaults()));
    ConfigManager manager(m_path);
    manager.load();
    QSignalSpy changed(&manager, &ConfigManager::changed);

    QVERIFY(rewriteInPlace(m_path, R"({"intervalMs": 3000, "notifications": {"enabled": false}})"));
    QTRY_COMPARE(changed.count(), 1);
    QCOMPARE(manager.config().intervalMs, 3000);
    QVERIFY(!manager.config().notificationsEnabled);
}

void TestConfigManager::externalEditWithoutChangeEmitsNothing()
{
    QVERIFY(ConfigStore::save(m_path, Config::defaults()));
    ConfigManager manager(m_path);
    manager.load();
    QSignalSpy changed(&manager, &ConfigManager::changed);
    QSignalSpy problem(&manager, &ConfigManager::problem);

    // Same meaning, different bytes (a reformat): read, compared, nothing to apply.
    QVERIFY(replaceFile(m_path, QJsonDocument(Config::defaults().toJson()).toJson(QJsonDocument::Compact)));
    QVERIFY(!changed.wait(quietMs));
    QCOMPARE(problem.count(), 0);
}

void TestConfigManager::brokenExternalEditKeepsRunningConfig()
{
    Config initial = Config::defaults();
    initial.intervalMs = 1500;
    QVERIFY(ConfigStore::save(m_path, initial));
    ConfigManager manager(m_path);
    manager.load();
    QSignalSpy changed(&manager, &ConfigManager::changed);
    QSignalSpy problem(&manager, &ConfigManager::problem);

    const QByteArray broken = "{\n  \"intervalMs\": 2000,\n  \"watched\": [\"80\"\n}\n";
    QVERIFY(replaceFile(m_path, broken));
    QTRY_COMPARE(problem.count(), 1);
    const QString message = problem.at(0).at(0).toString();
    QVERIFY2(message.startsWith(QDir::toNativeSeparators(m_path) + QStringLiteral(" is not valid JSON: line 4, column ")), qPrintable(message));
    QCOMPARE(changed.count(), 0);
    QCOMPARE(manager.config(), initial);
    // The user's text stays where they are editing it.
    QCOMPARE(readFile(m_path), broken);
    QVERIFY(brokenAsides(m_dir->path()).isEmpty());

    // A value error is reported with its path, and the running config still stays.
    QVERIFY(replaceFile(m_path, R"({"intervalMs": 20})"));
    QTRY_COMPARE(problem.count(), 2);
    QVERIFY2(problem.at(1).at(0).toString().contains(u"intervalMs: 20 is out of range 250-60000"),
             qPrintable(problem.at(1).at(0).toString()));
    QCOMPARE(manager.config(), initial);

    // Fixing the file applies it.
    QVERIFY(replaceFile(m_path, R"({"intervalMs": 2000})"));
    QTRY_COMPARE(changed.count(), 1);
    QCOMPARE(manager.config().intervalMs, 2000);
    QCOMPARE(problem.count(), 2);
}

void TestConfigManager::saveAfterBrokenEditKeepsItAside()
{
    QVERIFY(ConfigStore::save(m_path, Config::defaults()));
    ConfigManager manager(m_path);
    manager.load();
    QSignalSpy problem(&manager, &ConfigManager::problem);

    const QByteArray broken = R"({"watched": ["80",]})";
    QVERIFY(replaceFile(m_path, broken));
    QTRY_COMPARE(problem.count(), 1);

    QString error;
    QVERIFY2(manager.addWhitelistRule(nginxRule(), &error), qPrintable(error));
    const QStringList asides = brokenAsides(m_dir->path());
    QCOMPARE(asides.size(), 1);
    QCOMPARE(readFile(m_dir->filePath(asides.first())), broken);
    QCOMPARE(problem.count(), 2);
    QVERIFY2(problem.at(1).at(0).toString().contains(QDir::toNativeSeparators(m_dir->filePath(asides.first()))),
             qPrintable(problem.at(1).at(0).toString()));
    QCOMPARE(ConfigStore::load(m_path).config, manager.config());
}

void TestConfigManager::saveRightAfterBrokenEditKeepsItAside()
{
    QVERIFY(ConfigStore::save(m_path, Config::defaults()));
    ConfigManager manager(m_path);
    manager.load();

    // The save comes before the debounce has even looked at the edit.
    const QByteArray broken = "{ half-typed";
    QVERIFY(rewriteInPlace(m_path, broken));
    QVERIFY(manager.addWhitelistRule(nginxRule()));
    const QStringList asides = brokenAsides(m_dir->path());
    QCOMPARE(asides.size(), 1);
    QCOMPARE(readFile(m_dir->filePath(asides.first())), broken);
    QCOMPARE(ConfigStore::load(m_path).config.whitelist, QList<WhitelistRule>{nginxRule()});
}

void TestConfigManager::brokenFileAtStartIsKeptAside()
{
    const QByteArray broken = R"({"version": 99})";
    QVERIFY(rewriteInPlace(m_path, broken));
    ConfigManager manager(m_path);
    QSignalSpy problem(&manager, &ConfigManager::problem);
    const ConfigLoad load = manager.load();
    QCOMPARE(load.status, ConfigLoad::Status::Broken);
    QVERIFY2(load.message.contains(u"newer Portwatch"), qPrintable(load.message));
    QCOMPARE(readFile(load.keptAsidePath), broken);
    QCOMPARE(manager.config(), Config::defaults());

    Config next = manager.config();
    next.firstRunDone = true;
    QVERIFY(manager.update(next));
    QCOMPARE(readFile(load.keptAsidePath), broken);
    QCOMPARE(brokenAsides(m_dir->path()).size(), 1);
    // load() reported the problem through its result; moving the file aside is no new problem.
    QVERIFY(!problem.wait(quietMs));
}

void TestConfigManager::fileCreatedLaterIsPickedUp()
{
    const QString path = m_dir->filePath(QStringLiteral("later/portwatch/config.json"));
    ConfigManager manager(path);
    QCOMPARE(manager.load().status, ConfigLoad::Status::Missing);
    QSignalSpy changed(&manager, &ConfigManager::changed);

    QVERIFY(QDir().mkpath(QFileInfo(path).absolutePath()));
    QVERIFY(replaceFile(path, R"({"watched": ["udp/5000"]})"));
    QTRY_COMPARE(changed.count(), 1);
    QCOMPARE(manager.config().watched, QList<PortSpec>{*PortSpec::parse(u"udp/5000")});

    // And from then on the file itself is followed.
    QVERIFY(rewriteInPlace(path, R"({"watched": ["udp/5001"]})"));
    QTRY_COMPARE(changed.count(), 2);
}

void TestConfigManager::fullDiskKeepsTheRuleAndTheFile()
{
#ifndef Q_OS_LINUX
    QSKIP("a full disk is made with a Linux tmpfs; the Windows build has no such mount");
#else
    portwatch::testing::SmallTmpfs disk;
    if (!disk.mounted())
        QSKIP(disk.reason().c_str());
    const QString path = QString::fromStdString(disk.path()) + QStringLiteral("/config.json");
    Config saved = Config::defaults();
    saved.firstRunDone = true;
    QVERIFY(ConfigStore::save(path, saved));
    const QByteArray before = readFile(path);
    ConfigManager manager(path);
    QCOMPARE(manager.load().status, ConfigLoad::Status::Loaded);
    QSignalSpy changed(&manager, &ConfigManager::changed);
    QVERIFY(disk.fill());

    // A Whitelist click on a full disk: an error naming the real reason, the file as it was, and
    // the rule in force anyway.
    QString error;
    QVERIFY(!manager.addWhitelistRule(nginxRule(), &error));
    QVERIFY2(error.contains(QStringLiteral("No space left on device")) && error.contains(path), qPrintable(error));
    QCOMPARE(readFile(path), before);
    QCOMPARE(manager.config().whitelist, QList<WhitelistRule>{nginxRule()});
    QVERIFY(manager.hasUnsavedChanges());
    QCOMPARE(changed.count(), 1);

    // The same request again still reports the failure instead of "nothing to do".
    QVERIFY(!manager.addWhitelistRule(nginxRule(), &error));
    QVERIFY(manager.hasUnsavedChanges());
    QCOMPARE(readFile(path), before);

    // Once there is room, the next save writes what the running config holds.
    disk.drain();
    Config next = manager.config();
    next.intervalMs = 2000;
    QVERIFY2(manager.update(next, &error), qPrintable(error));
    QVERIFY(!manager.hasUnsavedChanges());
    const ConfigLoad reloaded = ConfigStore::load(path);
    QCOMPARE(reloaded.config.whitelist, QList<WhitelistRule>{nginxRule()});
    QCOMPARE(reloaded.config.intervalMs, 2000);
#endif
}

void TestConfigManager::unreadableFileIsNeverReplaced()
{
#ifndef Q_OS_LINUX
    QSKIP("another user is made by dropping to nobody with fork(), which Windows does not have");
#else
    // Tests run as root, who can read anything: the manager runs in a child as nobody, on a file of
    // root's with mode 0600 in a directory anyone may write to (so moving or replacing it would work).
    if (::geteuid() != 0)
        QSKIP("needs root, to run part of the test as another user (nobody)");
    QVERIFY(::chmod(QFile::encodeName(m_dir->path()).constData(), 0777) == 0);
    const QByteArray original = R"({"watched": ["tcp/8080"], "firstRunDone": false})";
    QVERIFY(rewriteInPlace(m_path, original));
    QVERIFY(::chmod(QFile::encodeName(m_path).constData(), 0600) == 0);

    const auto answer = portwatch::testing::runAsNobody([this] {
        ConfigManager manager(m_path);
        const ConfigLoad load = manager.load();
        Config next = manager.config();
        next.firstRunDone = true; // what the first start used to save on its own
        QString firstError;
        const bool first = manager.update(next, &firstError);
        QString ruleError;
        const bool rule = manager.addWhitelistRule(nginxRule(), &ruleError);
        return QStringLiteral("%1|%2|%3|%4|%5|%6")
            .arg(int(load.status))
            .arg(first)
            .arg(rule)
            .arg(manager.config().whitelist.size())
            .arg(load.message, ruleError)
            .toStdString();
    });
    QVERIFY2(answer, "the child could not run as nobody");
    const QStringList parts = QString::fromStdString(*answer).split(QLatin1Char('|'));
    QCOMPARE(parts.size(), 6);
    QCOMPARE(parts[0].toInt(), int(ConfigLoad::Status::Unreadable));
    QCOMPARE(parts[1], QStringLiteral("0"));
    QCOMPARE(parts[2], QStringLiteral("0"));
    QCOMPARE(parts[3], QStringLiteral("1")); // the running config has the rule for this session
    QVERIFY2(parts[4].contains(QStringLiteral("Permission denied")) && parts[4].contains(m_path), qPrintable(parts[4]));
    QVERIFY2(parts[5].contains(QStringLiteral("will not replace a file it cannot read")), qPrintable(parts[5]));
    QCOMPARE(readFile(m_path), original);
    QCOMPARE(QDir(m_dir->path()).entryList(QDir::Files | QDir::Hidden), QStringList{QStringLiteral("config.json")});
#endif
}

void TestConfigManager::specialFileIsNeverReplaced()
{
#ifndef Q_OS_LINUX
    QSKIP("FIFOs and devices as config files are POSIX files; Windows has none at these paths");
#else
    QCOMPARE(::mkfifo(QFile::encodeName(m_path).constData(), 0600), 0);
    ConfigManager manager(m_path);
    QCOMPARE(manager.load().status, ConfigLoad::Status::Unreadable);
    QString error;
    QVERIFY(!manager.addWhitelistRule(nginxRule(), &error));
    QVERIFY2(error.contains(QStringLiteral("FIFO")), qPrintable(error));
    QVERIFY(!QFileInfo(m_path).isFile());
    QCOMPARE(QDir(m_dir->path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::System),
             QStringList{QStringLiteral("config.json")});
#endif
}

void TestConfigManager::readOnlyManagerNeverMovesABrokenFile()
{
    const QByteArray broken = "{ half-typed";
    QVERIFY(rewriteInPlace(m_path, broken));
    ConfigManager manager(m_path, nullptr, ConfigStore::BrokenFile::LeaveAlone);
    const ConfigLoad load = manager.load();
    QCOMPARE(load.status, ConfigLoad::Status::Broken);
    QVERIFY(load.keptAsidePath.isEmpty());
    QCOMPARE(readFile(m_path), broken);
    QVERIFY(brokenAsides(m_dir->path()).isEmpty());
}

QTEST_GUILESS_MAIN(TestConfigManager)
#include "tst_configmanager.moc"
